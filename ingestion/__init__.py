"""Sefton Understood ingestion."""
