"""Read models streamed row by row for the HXL exports."""
