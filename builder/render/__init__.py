"""Stage 4 — render: the model becomes Word XML through the .docx templates."""
