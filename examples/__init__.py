"""The numbered .tdf examples, smallest first; installed as `tensix.examples` so `tensix run` finds its default."""
