// Test support library: helpers shared by several test executables live beside this file.
