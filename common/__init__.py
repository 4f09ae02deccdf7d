"""Pure-Python rules shared by the client and the engine (dtypes, shapes, reprs).

Both sides need the same answers without importing each other: the client
infers result metadata and formats reprs without a round trip, the engine
computes them. Depends on numpy and the standard library only.
"""
