"""ML-engineer skill taxonomy (data) and the spaCy/rapidfuzz skill extractor."""
