"""Virtual Bluetooth LE sensors on bumble, and a bleak backend that reaches them in-process."""
