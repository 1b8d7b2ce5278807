"""What imitates the world: the session simulator, the sample set and virtual BLE sensors.

Nothing on the real recording path imports this package; it feeds demos, tests and benchmarks.
"""
