package store

import "encoding/json"

// decodeBalances reads a stored snapshot's balances, as InsertBalanceSnapshot wrote
// them. ids keeps the account ids already read (nil for none): a read of many
// snapshots then holds each account's id once, not once per snapshot.
func decodeBalances(enc []byte, ids map[string]string) ([]storedBalance, error) {
	var out []storedBalance
	if err := json.Unmarshal(enc, &out); err != nil {
		return nil, err
	}
	if ids != nil {
		for i := range out {
			if id, seen := ids[out[i].ID]; seen {
				out[i].ID = id
			} else {
				ids[out[i].ID] = out[i].ID
			}
		}
	}
	return out, nil
}
