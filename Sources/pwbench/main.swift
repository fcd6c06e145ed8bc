print("powerwalk 0.1.0")
