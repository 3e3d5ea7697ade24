"""Two handlers for testing the in-process Lambda runtime."""


def echo(event, context):
    return {"event": event, "function": context.function_name}


def broken(event, context):
    raise ValueError(f"cannot handle {sorted(event)}")
