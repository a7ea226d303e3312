"""Integrations: docs sites (MkDocs, Sphinx), the GitHub Action, embedding in pages."""
