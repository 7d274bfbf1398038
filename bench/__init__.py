"""`make bench`: the project's speed and size figures, measured side by side in one run."""
