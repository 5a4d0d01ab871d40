"""The audit log for managers and admins. (Being built.)"""
