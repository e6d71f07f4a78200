// Package paging holds the one rule every paged list follows: how many items
// a page holds (the OpenAPI document's cursor paging).
package paging

const (
	// Default is the page size when the request names none.
	Default = 50
	// Max is the largest page a request gets, whatever it asks.
	Max = 200
)

// Limit is the page size for a request that asked for asked items: Default
// when it asked for none (zero), else asked clamped to 1..Max.
func Limit(asked int) int {
	switch {
	case asked == 0:
		return Default
	case asked < 1:
		return 1
	case asked > Max:
		return Max
	}
	return asked
}
