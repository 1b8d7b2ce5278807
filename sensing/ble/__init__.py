"""Bluetooth LE: the bleak client side, and virtual sensors on bumble for tests and demos."""
