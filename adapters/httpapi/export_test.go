package httpapi

import "encoding/json"

// ReadAvatarUpload exposes the multipart reading of avatar uploads to the
// fuzz test, which drives it without a server or a database.
var ReadAvatarUpload = readAvatarUpload

// DecodeEventFast and DecodeEventGeneric expose the event decoder and the
// generic one it stands in for, so a test can hold them to the same answers.
func DecodeEventFast(body []byte) (any, any, error) {
	var in eventInputDTO
	raw, err := bindEvent(body, &in)
	return in, raw, err
}

func DecodeEventGeneric(body []byte) (any, any, error) {
	var in eventInputDTO
	raw, err := BindRaw(body, &in)
	return in, raw, err
}

// BindBatchEvents exposes the batch body reader.
var BindBatchEvents = bindBatchEvents

// ReadBatch and ReadBatchGeneric are the batch reader and what it stands
// in for: the generic reader's elements, each decoded.
var ReadBatch = readBatch

// SplitBatch exposes the batch reader's fast path.
var SplitBatch = splitBatch

func ReadBatchGeneric(body []byte) (any, error) {
	events, err := bindBatchEvents(body)
	if err != nil {
		return nil, err
	}
	return decodeItems(events), nil
}

// BindBatchGeneric is the generic reading of a batch body it stands in for.
func BindBatchGeneric(body []byte) (any, error) {
	var in struct {
		Events []json.RawMessage `json:"events"`
	}
	err := BindBytes(body, &in)
	return in.Events, err
}

// CanonicalJSON exposes the body hash's encoder and ParseJSON's tree.
func CanonicalJSON(body []byte) (got, want []byte, err error) {
	raw, err := ParseJSON(body)
	if err != nil {
		return nil, nil, err
	}
	got, ok := appendCanonical(nil, raw)
	if !ok {
		got = nil
	}
	want, _ = json.Marshal(raw)
	return got, want, nil
}

// DecodeEvent exposes the whole reading of an event body, rules included,
// to the fuzz test.
var DecodeEvent = decodeEvent

// ParseFlat exposes ParseJSON's fast path for flat objects.
var ParseFlat = parseFlat
