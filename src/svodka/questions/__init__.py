"""Question triage: import questions, merge duplicates, group them into topics and subtopics, report."""
