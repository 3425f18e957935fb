"""Exports of large lists as background jobs: the job, its task, its page and its download."""
