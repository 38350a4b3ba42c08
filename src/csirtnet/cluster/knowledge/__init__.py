"""The knowledge base: bilingual, tagged, TLP-marked documents, searchable without accents."""
