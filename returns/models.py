# ReturnRequest and Refund arrive with the returns issue.
