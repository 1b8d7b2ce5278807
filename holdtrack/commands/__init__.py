"""One module per command: its options and its run; the work lives in the packages."""
