"""faqbot: answers questions about one job role from a curated knowledge base, and knows when it doesn't."""

__version__ = "0.1.0"
