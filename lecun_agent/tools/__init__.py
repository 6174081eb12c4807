"""Developer and operator tools: parameter services client, generated parameter reference."""
