"""Sensors and session files: reading, writing and simulating therapy-ball sessions."""
