"""The ``finance`` read model: a donor's pledges (``pledges``) and the Stability Fund's allocations
and ledger (``stability_fund``), kept by one projector since a contribution's ledger entry is
dated by the pledge payment it records."""
