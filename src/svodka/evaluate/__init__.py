"""Quality measures for svodka's stories: B-cubed over post clusterings, precision/recall over pairs."""
