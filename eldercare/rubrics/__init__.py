"""The declarative rubric engine: scoring tables read from config/rubrics/, scored from figures and judgments."""
