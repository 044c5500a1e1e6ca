"""protocols/http"""
