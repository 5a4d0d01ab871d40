"""Admin settings: staff users, departments, categories. (Being built.)"""
