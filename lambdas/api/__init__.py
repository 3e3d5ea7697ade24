"""The REST API: predictions, ground-truth feedback and the model being served."""
