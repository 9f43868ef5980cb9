"""One module per Resource type; each defines the type's block models and its `Resource` subclass."""
