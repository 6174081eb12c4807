"""Command programs that stand in for the actor: scripted demos and exploration for data collection."""
