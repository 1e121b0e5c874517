"""The slow-model review of high-tier changes: prompt, redaction, providers, verdicts.

Imported only by the review stage: nothing here is on the hook's hot path for low-tier changes.
"""
