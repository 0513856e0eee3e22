"""What the matcher reads: open needs and offers."""
