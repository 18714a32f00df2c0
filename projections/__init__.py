"""SQL read models of casetrack's dossier streams, their catch-up runner, and report queries."""
