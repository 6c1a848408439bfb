"""The nurse's pages: one module per topic, the same topics as actions/, selectors/ and api/.

chart (the session page, its step dispatcher, the record PDF), checkin (the day list, start, the
steps before dosing), dosing, monitoring (the prompt strip, patient vitals), discharge, settings;
common.py holds the two shapes of a step. urls.py names each view by its module.
"""
