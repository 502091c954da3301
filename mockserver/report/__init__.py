"""What was exchanged and what it broke: the journal, the contract report, end-of-test checks."""
