package restapi

import (
	"context"
	"errors"
	"strconv"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/schemaregistry"
	"github.com/krest-dev/krest/internal/serde"
)

// schemaIDs are the ids a schema-format produce used, for the response; nil
// means null.
type schemaIDs struct{ key, value *int32 }

// encodeWithSchemas resolves the key and value schemas of a schema-format
// produce request once, then encodes every record's key and value in the
// Confluent wire format into one arena. It runs before anything is written,
// so a schema or data error rejects the whole request.
func (s *Server) encodeWithSchemas(ctx context.Context, topic string, format serde.Format, req *produceRequest) (schemaIDs, error) {
	var ids schemaIDs
	if err := checkSchemaFields(req); err != nil {
		return ids, err
	}
	if s.registry == nil {
		return ids, apierr.New(apierr.UnsupportedMediaType, "the %s embedded format needs a schema registry: set registry_url, or leave it empty to use krest's embedded registry", format)
	}
	st, _ := format.SchemaType()
	var keys, values bool
	for i := range req.records {
		keys = keys || req.records[i].hasKey
		values = values || req.records[i].hasValue
	}
	var keySchema, valueSchema *schemaregistry.Schema
	var err error
	if keys {
		if keySchema, err = s.resolveSchema(ctx, topic, true, st, req.keySchema, req.keySchemaID); err != nil {
			return ids, err
		}
		ids.key = int32Ptr(keySchema.ID)
	} else {
		ids.key = req.keySchemaID
	}
	if values {
		if valueSchema, err = s.resolveSchema(ctx, topic, false, st, req.valueSchema, req.valueSchemaID); err != nil {
			return ids, err
		}
		ids.value = int32Ptr(valueSchema.ID)
	} else {
		ids.value = req.valueSchemaID
	}

	// One arena for the request: kgo holds the records until Produce
	// returns, so nothing here is reused while it does. A grown arena
	// leaves earlier slices on the old array, which stays valid. Sized
	// from the JSON: binary encodings are rarely larger than their JSON
	// form, so one allocation usually serves the whole request.
	size := 0
	for i := range req.records {
		size += len(req.records[i].rawKey) + len(req.records[i].rawValue) + 2*(serde.HeaderLen+4) // + protobuf message indexes
	}
	arena := make([]byte, 0, size)
	for i := range req.records {
		rec := &req.records[i]
		if rec.hasKey {
			start := len(arena)
			if arena, err = keySchema.AppendEncode(arena, rec.rawKey); err != nil {
				return ids, dataError(err, i, "key")
			}
			rec.key = arena[start:len(arena):len(arena)]
		}
		if rec.hasValue {
			start := len(arena)
			if arena, err = valueSchema.AppendEncode(arena, rec.rawValue); err != nil {
				return ids, dataError(err, i, "value")
			}
			rec.value = arena[start:len(arena):len(arena)]
		}
	}
	return ids, nil
}

// resolveSchema resolves one side's schema: an id wins over a text, as in
// Karapace; an id of 0 counts as absent (Karapace treats it as falsy).
func (s *Server) resolveSchema(ctx context.Context, topic string, isKey bool, st serde.SchemaType, text *string, id *int32) (*schemaregistry.Schema, error) {
	if id != nil && *id != 0 {
		sch, err := s.registry.ResolveByID(ctx, topic, isKey, int(*id))
		if err != nil {
			return nil, schemaError(err, st, "schema_id = "+strconv.Itoa(int(*id)))
		}
		return sch, nil
	}
	if text == nil {
		// checkSchemaFields let an id of 0 through as present.
		if isKey {
			return nil, apierr.New(apierr.KeySchemaMissing, "Request includes keys and uses a format that requires schemas but does not include the key_schema or key_schema_id fields")
		}
		return nil, apierr.New(apierr.ValueSchemaMissing, "Request includes values and uses a format that requires schemas but does not include the value_schema or value_schema_id fields")
	}
	sch, err := s.registry.ResolveByText(ctx, topic, isKey, st, *text)
	if err != nil {
		return nil, schemaError(err, st, "schema = "+*text)
	}
	return sch, nil
}

// schemaError maps a registry client error to the REST vocabulary with
// Karapace's message shapes (clients match on their prefixes).
func schemaError(err error, st serde.SchemaType, what string) error {
	var e *schemaregistry.Error
	if !errors.As(err, &e) {
		return err // e.g. context.Canceled
	}
	typ := e.Type
	if typ == 0 {
		typ = st
	}
	switch {
	case errors.Is(err, schemaregistry.ErrRegistration), errors.Is(err, schemaregistry.ErrRegistryUnavailable):
		msg := "Error when registering schema.format = " + typ.String() + ", subject = " + e.Subject
		if e.Message != "" {
			msg += ": " + e.Message
		}
		return apierr.Wrap(apierr.SchemaRegistryTimeout, err, "%s", msg)
	default: // invalid schema, unknown id, subject mismatch
		msg := "Invalid schema. format = " + typ.String() + ", " + what
		if e.Message != "" {
			msg += ": " + e.Message
		}
		return apierr.Wrap(apierr.InvalidSchema, err, "%s", msg)
	}
}

// dataError reports a record that does not fit its schema.
func dataError(err error, i int, field string) error {
	return apierr.Wrap(apierr.InvalidSchema, err, "Object does not fit to stored schema: records[%d].%s: %v", i, field, err)
}

func int32Ptr(n int) *int32 {
	v := int32(n)
	return &v
}
