"""The Bluetooth LE side of recording: device profiles (GATT) and scanning, through bleak."""
