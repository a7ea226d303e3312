"""Analyses of a diagram; each module answers one question about its structure."""
