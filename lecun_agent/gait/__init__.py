"""gait"""
