package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// FuzzCheckKeys holds the key walker to encoding/json on any valid JSON:
// it never panics, and what it lets through, encoding/json refuses (a
// value of the wrong type, whose inside is not looked at) or reads with
// no unknown field and with each key once, whatever the nesting, escapes
// or spacing.
func FuzzCheckKeys(f *testing.F) {
	for _, seed := range []string{
		`{"channel":"c","uid":7,"role":"publisher"}`,
		`{"channel":"c","UID":7}`,
		`{"uid":7,"uid":8}`,
		`{"\u0075id":7,"uid":8}`,
		`{"privileges":{"joinChannel":60,"joinchannel":1}}`,
		`{"rtm":{"userId":"a\"b\\","x":[1,{"y":2}]}}`,
		` { "channel" : [ { } , [ ] , "}" , -1.5e3 , true , null ] } `,
		`[{"channel":1},{"channel":2,"channel":3}]`,
		`"just a string"`,
		`{"":1}`,
		`{"token":{"a":1,"a":2}}`,
		`{"channel":[{"a":[1,{"b":"]}"}]}],"uid":1}`,
	} {
		f.Add([]byte(seed))
	}
	types := []reflect.Type{reflect.TypeFor[v1RTCRequest](), reflect.TypeFor[v1InspectRequest]()}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		for _, typ := range types {
			if err := checkKeys(data, typ); err != nil {
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			err := dec.Decode(reflect.New(typ).Interface())
			if err != nil && strings.Contains(err.Error(), "unknown field") {
				t.Errorf("checkKeys let %q through into %s, but encoding/json says %v", data, typ, err)
			}
			if dup := duplicateKey(data); err == nil && dup != "" {
				t.Errorf("checkKeys let %q through with %q twice", data, dup)
			}
		}
	})
}

// duplicateKey finds a key given twice in one object of data, walking it
// with encoding/json's own tokenizer.
func duplicateKey(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func() string
	walk = func() string {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				key, _ := dec.Token()
				k, _ := key.(string)
				if seen[k] {
					return k
				}
				seen[k] = true
				if dup := walk(); dup != "" {
					return dup
				}
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for dec.More() {
				if dup := walk(); dup != "" {
					return dup
				}
			}
			_, _ = dec.Token()
		}
		return ""
	}
	return walk()
}

// A request built without a body, as a handler called directly may be,
// is an empty body to the strict reader, not a crash.
func TestStrictJSONWithoutABody(t *testing.T) {
	req := httptest.NewRequest(http.MethodPost, "/v1/tokens/rtm", nil)
	req.Header.Set("Content-Type", "application/json")
	req.Body = nil
	w := httptest.NewRecorder()
	newRouter(t).ServeHTTP(w, req)
	body := problem(t, w, http.StatusBadRequest)
	if body["detail"] != "the body is empty; send a JSON object" {
		t.Errorf("detail = %v", body["detail"])
	}
}
