"""The core: knowledge, text, speller, retriever, gate, answering and the editors' queue. Plain Python, no Discord."""
