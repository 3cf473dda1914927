package compat

import "testing"

// obj builds an object schema with the given "properties" body and extra keywords.
func obj(props string, extra ...string) string {
	s := `{"type":"object","properties":{` + props + `}`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

const closed = `"additionalProperties":false`

// jsonCases pair each JSON Schema rule with a compatible and an incompatible schema pair. For
// BACKWARD the old schema is Confluent's "original" and the new one the "update".
var jsonCases = []ruleCase{
	// Types.
	{name: "json/backward/type-unchanged", level: Backward,
		old: `{"type":"string"}`, new: `{"type":"string"}`, compatible: true},
	{name: "json/backward/type-changed", level: Backward,
		old: `{"type":"string"}`, new: `{"type":"number"}`, want: "TYPE_CHANGED"},
	{name: "json/backward/integer-to-number", level: Backward,
		old: `{"type":"integer"}`, new: `{"type":"number"}`, compatible: true},
	{name: "json/backward/number-to-integer", level: Backward,
		old: `{"type":"number"}`, new: `{"type":"integer"}`, want: "TYPE_NARROWED"},
	{name: "json/forward/integer-to-number", level: Forward,
		old: `{"type":"integer"}`, new: `{"type":"number"}`, want: "TYPE_NARROWED"},
	{name: "json/backward/type-made-nullable", level: Backward,
		old: `{"type":"string"}`, new: `{"type":["string","null"]}`, compatible: true},
	{name: "json/backward/nullable-made-required", level: Backward,
		old: `{"type":["string","null"]}`, new: `{"type":"string"}`, want: "TYPE_CHANGED"},
	{name: "json/backward/anything-to-empty-schema", level: Backward,
		old: obj(`"a":{"type":"string"}`), new: `{}`, compatible: true},
	{name: "json/backward/anything-to-true", level: Backward,
		old: `{"type":"integer"}`, new: `true`, compatible: true},
	{name: "json/backward/empty-schema-to-typed", level: Backward,
		old: `{}`, new: `{"type":"string"}`, want: "TYPE_CHANGED"},
	{name: "json/backward/false-to-anything", level: Backward,
		old: `false`, new: `{"type":"string"}`, compatible: true},

	// Properties and the content model. Open: no additionalProperties (or true); closed: false;
	// partially open: a schema in additionalProperties or patternProperties.
	{name: "json/backward/open-model-property-removed", level: Backward,
		old: obj(`"a":{"type":"string"},"b":{"type":"string"}`), new: obj(`"a":{"type":"string"}`), compatible: true},
	{name: "json/backward/open-model-optional-property-added", level: Backward,
		old: obj(`"a":{"type":"string"}`), new: obj(`"a":{"type":"string"},"b":{"type":"string"}`),
		want: "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"},
	{name: "json/backward/open-model-property-with-empty-schema-added", level: Backward,
		old: obj(`"a":{"type":"string"}`), new: obj(`"a":{"type":"string"},"b":{}`), compatible: true},
	{name: "json/forward/open-model-optional-property-added", level: Forward,
		old: obj(`"a":{"type":"string"}`), new: obj(`"a":{"type":"string"},"b":{"type":"string"}`), compatible: true},
	{name: "json/forward/open-model-property-removed", level: Forward,
		old: obj(`"a":{"type":"string"},"b":{"type":"string"}`), new: obj(`"a":{"type":"string"}`),
		want: "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"},
	{name: "json/backward/closed-model-optional-property-added", level: Backward,
		old: obj(`"a":{"type":"string"}`, closed), new: obj(`"a":{"type":"string"},"b":{"type":"string"}`, closed), compatible: true},
	{name: "json/backward/closed-model-property-removed", level: Backward,
		old: obj(`"a":{"type":"string"},"b":{"type":"string"}`, closed), new: obj(`"a":{"type":"string"}`, closed),
		want: "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
	{name: "json/backward/closed-model-property-with-false-removed", level: Backward,
		old: obj(`"a":{"type":"string"},"b":false`, closed), new: obj(`"a":{"type":"string"}`, closed), compatible: true},
	{name: "json/backward/closed-model-required-property-with-default-added", level: Backward,
		old: obj(`"a":{"type":"string"}`, closed),
		new: obj(`"a":{"type":"string"},"b":{"type":"string","default":"x"}`, closed, `"required":["b"]`), compatible: true},
	{name: "json/backward/closed-model-required-property-added", level: Backward,
		old:  obj(`"a":{"type":"string"}`, closed),
		new:  obj(`"a":{"type":"string"},"b":{"type":"string"}`, closed, `"required":["b"]`),
		want: "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"},
	{name: "json/full/closed-model-optional-property-added", level: Full,
		old: obj(`"a":{"type":"string"}`, closed), new: obj(`"a":{"type":"string"},"b":{"type":"string"}`, closed),
		want: "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
	{name: "json/backward/partially-open-property-added-covered", level: Backward,
		old: obj(`"a":{"type":"string"}`, `"additionalProperties":{"type":"string"}`),
		new: obj(`"a":{"type":"string"},"b":{"type":"string"}`, `"additionalProperties":{"type":"string"}`), compatible: true},
	{name: "json/backward/partially-open-property-added-not-covered", level: Backward,
		old:  obj(`"a":{"type":"string"}`, `"additionalProperties":{"type":"string"}`),
		new:  obj(`"a":{"type":"string"},"b":{"type":"integer"}`, `"additionalProperties":{"type":"string"}`),
		want: "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"},
	{name: "json/backward/pattern-properties-property-removed-covered", level: Backward,
		old: obj(`"x_a":{"type":"integer"}`, `"patternProperties":{"^x_":{"type":"number"}}`, closed),
		new: obj(``, `"patternProperties":{"^x_":{"type":"number"}}`, closed), compatible: true},
	{name: "json/backward/pattern-properties-property-removed-not-covered", level: Backward,
		old:  obj(`"x_a":{"type":"string"}`, `"patternProperties":{"^x_":{"type":"number"}}`, closed),
		new:  obj(``, `"patternProperties":{"^x_":{"type":"number"}}`, closed),
		want: "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"},
	{name: "json/backward/property-type-changed", level: Backward,
		old: obj(`"a":{"type":"string"}`), new: obj(`"a":{"type":"boolean"}`),
		want: "#/properties/a'"},
	{name: "json/backward/property-type-widened", level: Backward,
		old: obj(`"a":{"type":"integer"}`), new: obj(`"a":{"type":"number"}`), compatible: true},
	{name: "json/backward/additional-properties-opened", level: Backward,
		old: obj(`"a":{"type":"string"}`, closed), new: obj(`"a":{"type":"string"}`, `"additionalProperties":true`), compatible: true},
	{name: "json/backward/additional-properties-closed", level: Backward,
		old: obj(`"a":{"type":"string"}`), new: obj(`"a":{"type":"string"}`, closed),
		want: "ADDITIONAL_PROPERTIES_REMOVED"},
	{name: "json/backward/additional-properties-schema-widened", level: Backward,
		old: obj(``, `"additionalProperties":{"type":"integer"}`), new: obj(``, `"additionalProperties":{"type":"number"}`), compatible: true},
	{name: "json/backward/additional-properties-narrowed", level: Backward,
		old: obj(``), new: obj(``, `"additionalProperties":{"type":"number"}`), want: "ADDITIONAL_PROPERTIES_NARROWED"},

	// required.
	{name: "json/backward/required-removed", level: Backward,
		old: obj(`"a":{"type":"string"}`, `"required":["a"]`), new: obj(`"a":{"type":"string"}`), compatible: true},
	{name: "json/backward/required-added", level: Backward,
		old: obj(`"a":{"type":"string"}`), new: obj(`"a":{"type":"string"}`, `"required":["a"]`),
		want: "REQUIRED_ATTRIBUTE_ADDED"},
	{name: "json/backward/required-with-default-added", level: Backward,
		old: obj(`"a":{"type":"string"}`), new: obj(`"a":{"type":"string","default":""}`, `"required":["a"]`), compatible: true},
	{name: "json/forward/required-removed", level: Forward,
		old: obj(`"a":{"type":"string"}`, `"required":["a"]`), new: obj(`"a":{"type":"string"}`),
		want: "REQUIRED_ATTRIBUTE_ADDED"},

	// Enum and const.
	{name: "json/backward/enum-value-added", level: Backward,
		old: `{"enum":["a","b"]}`, new: `{"enum":["a","b","c"]}`, compatible: true},
	{name: "json/backward/enum-value-removed", level: Backward,
		old: `{"enum":["a","b","c"]}`, new: `{"enum":["a","b"]}`, want: "ENUM_ARRAY_NARROWED"},
	{name: "json/forward/enum-value-added", level: Forward,
		old: `{"enum":["a","b"]}`, new: `{"enum":["a","b","c"]}`, want: "ENUM_ARRAY_NARROWED"},
	{name: "json/backward/enum-values-replaced", level: Backward,
		old: `{"enum":[1,2]}`, new: `{"enum":[2,3]}`, want: "ENUM_ARRAY_CHANGED"},
	{name: "json/backward/enum-number-spelling", level: Backward,
		old: `{"enum":[1,2]}`, new: `{"enum":[1.0,2e0]}`, compatible: true},
	{name: "json/backward/typed-enum-value-added", level: Backward,
		old: `{"type":"string","enum":["a"]}`, new: `{"type":"string","enum":["a","b"]}`, compatible: true},
	{name: "json/backward/typed-enum-value-removed", level: Backward,
		old: `{"type":"string","enum":["a","b"]}`, new: `{"type":"string","enum":["a"]}`,
		want: "COMBINED_TYPE_SUBSCHEMAS_CHANGED"},
	{name: "json/backward/const-unchanged", level: Backward,
		old: `{"const":"v1"}`, new: `{"const":"v1"}`, compatible: true},
	{name: "json/backward/const-changed", level: Backward,
		old: `{"const":"v1"}`, new: `{"const":"v2"}`, want: "ENUM_ARRAY_CHANGED"},

	// Strings.
	{name: "json/backward/max-length-increased", level: Backward,
		old: `{"type":"string","maxLength":5}`, new: `{"type":"string","maxLength":10}`, compatible: true},
	{name: "json/backward/max-length-decreased", level: Backward,
		old: `{"type":"string","maxLength":10}`, new: `{"type":"string","maxLength":5}`, want: "MAX_LENGTH_DECREASED"},
	{name: "json/backward/max-length-removed", level: Backward,
		old: `{"type":"string","maxLength":10}`, new: `{"type":"string"}`, compatible: true},
	{name: "json/backward/max-length-added", level: Backward,
		old: `{"type":"string"}`, new: `{"type":"string","maxLength":10}`, want: "MAX_LENGTH_ADDED"},
	{name: "json/backward/min-length-decreased", level: Backward,
		old: `{"type":"string","minLength":5}`, new: `{"type":"string","minLength":1}`, compatible: true},
	{name: "json/backward/min-length-increased", level: Backward,
		old: `{"type":"string","minLength":1}`, new: `{"type":"string","minLength":5}`, want: "MIN_LENGTH_INCREASED"},
	{name: "json/backward/pattern-removed", level: Backward,
		old: `{"type":"string","pattern":"^a"}`, new: `{"type":"string"}`, compatible: true},
	{name: "json/backward/pattern-added", level: Backward,
		old: `{"type":"string"}`, new: `{"type":"string","pattern":"^a"}`, want: "PATTERN_ADDED"},
	{name: "json/backward/pattern-changed", level: Backward,
		old: `{"type":"string","pattern":"^a"}`, new: `{"type":"string","pattern":"^b"}`, want: "PATTERN_CHANGED"},

	// Numbers.
	{name: "json/backward/maximum-increased", level: Backward,
		old: `{"type":"number","maximum":10}`, new: `{"type":"number","maximum":20}`, compatible: true},
	{name: "json/backward/maximum-decreased", level: Backward,
		old: `{"type":"number","maximum":20}`, new: `{"type":"number","maximum":10}`, want: "MAXIMUM_DECREASED"},
	{name: "json/backward/maximum-added", level: Backward,
		old: `{"type":"number"}`, new: `{"type":"number","maximum":10}`, want: "MAXIMUM_ADDED"},
	{name: "json/backward/minimum-decreased", level: Backward,
		old: `{"type":"number","minimum":1}`, new: `{"type":"number","minimum":0.5}`, compatible: true},
	{name: "json/backward/minimum-increased", level: Backward,
		old: `{"type":"number","minimum":0}`, new: `{"type":"number","minimum":1}`, want: "MINIMUM_INCREASED"},
	{name: "json/backward/exclusive-minimum-removed", level: Backward,
		old: `{"type":"number","exclusiveMinimum":0}`, new: `{"type":"number"}`, compatible: true},
	{name: "json/backward/exclusive-maximum-decreased", level: Backward,
		old: `{"type":"number","exclusiveMaximum":10}`, new: `{"type":"number","exclusiveMaximum":5}`,
		want: "EXCLUSIVE_MAXIMUM_DECREASED"},
	{name: "json/backward/multiple-of-reduced", level: Backward,
		old: `{"type":"number","multipleOf":4}`, new: `{"type":"number","multipleOf":2}`, compatible: true},
	{name: "json/backward/multiple-of-expanded", level: Backward,
		old: `{"type":"number","multipleOf":2}`, new: `{"type":"number","multipleOf":4}`, want: "MULTIPLE_OF_EXPANDED"},
	{name: "json/backward/multiple-of-changed", level: Backward,
		old: `{"type":"number","multipleOf":2}`, new: `{"type":"number","multipleOf":3}`, want: "MULTIPLE_OF_CHANGED"},
	{name: "json/backward/multiple-of-decimal-reduced", level: Backward,
		old: `{"type":"number","multipleOf":0.5}`, new: `{"type":"number","multipleOf":0.25}`, compatible: true},

	// Arrays.
	{name: "json/backward/items-widened", level: Backward,
		old: `{"type":"array","items":{"type":"integer"}}`, new: `{"type":"array","items":{"type":"number"}}`, compatible: true},
	{name: "json/backward/items-changed", level: Backward,
		old: `{"type":"array","items":{"type":"integer"}}`, new: `{"type":"array","items":{"type":"string"}}`,
		want: "#/items'"},
	{name: "json/backward/items-removed", level: Backward,
		old: `{"type":"array","items":{"type":"integer"}}`, new: `{"type":"array"}`, compatible: true},
	{name: "json/backward/items-added", level: Backward,
		old: `{"type":"array"}`, new: `{"type":"array","items":{"type":"integer"}}`, want: "SCHEMA_ADDED"},
	{name: "json/backward/max-items-increased", level: Backward,
		old: `{"type":"array","maxItems":2}`, new: `{"type":"array","maxItems":3}`, compatible: true},
	{name: "json/backward/min-items-increased", level: Backward,
		old: `{"type":"array","minItems":1}`, new: `{"type":"array","minItems":2}`, want: "MIN_ITEMS_INCREASED"},
	{name: "json/backward/unique-items-removed", level: Backward,
		old: `{"type":"array","uniqueItems":true}`, new: `{"type":"array"}`, compatible: true},
	{name: "json/backward/unique-items-added", level: Backward,
		old: `{"type":"array"}`, new: `{"type":"array","uniqueItems":true}`, want: "UNIQUE_ITEMS_ADDED"},
	{name: "json/backward/tuple-item-added-to-closed", level: Backward,
		old: `{"type":"array","items":[{"type":"string"}],"additionalItems":false}`,
		new: `{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}`, compatible: true},
	{name: "json/backward/tuple-item-removed-from-closed", level: Backward,
		old: `{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}`,
		new: `{"type":"array","items":[{"type":"string"}],"additionalItems":false}`, want: "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"},
	{name: "json/backward/tuple-item-removed-from-open", level: Backward,
		old: `{"type":"array","items":[{"type":"string"},{"type":"integer"}]}`,
		new: `{"type":"array","items":[{"type":"string"}]}`, compatible: true},
	{name: "json/backward/tuple-item-added-to-open", level: Backward,
		old: `{"type":"array","items":[{"type":"string"}]}`,
		new: `{"type":"array","items":[{"type":"string"},{"type":"integer"}]}`, want: "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"},
	{name: "json/backward/prefix-items-2020-item-added-to-closed", level: Backward,
		old:        `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"}],"items":false}`,
		new:        `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}`,
		compatible: true},
	{name: "json/backward/prefix-items-2020-closed", level: Backward,
		old:  `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"}]}`,
		new:  `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"type":"string"}],"items":false}`,
		want: "ADDITIONAL_ITEMS_REMOVED"},

	// Combined schemas: subschemas are matched regardless of order.
	{name: "json/backward/one-of-subschema-added", level: Backward,
		old: `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, new: `{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"boolean"}]}`,
		compatible: true},
	{name: "json/backward/one-of-subschema-removed", level: Backward,
		old: `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, new: `{"oneOf":[{"type":"string"}]}`, want: "SUM_TYPE_NARROWED"},
	{name: "json/backward/any-of-reordered", level: Backward,
		old: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, new: `{"anyOf":[{"type":"integer"},{"type":"string"}]}`, compatible: true},
	{name: "json/backward/any-of-subschema-changed", level: Backward,
		old: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, new: `{"anyOf":[{"type":"string"},{"type":"boolean"}]}`,
		want: "COMBINED_TYPE_SUBSCHEMAS_CHANGED"},
	{name: "json/backward/all-of-subschema-removed", level: Backward,
		old: `{"allOf":[{"type":"string"},{"maxLength":5}]}`, new: `{"allOf":[{"type":"string"}]}`, compatible: true},
	{name: "json/backward/all-of-subschema-added", level: Backward,
		old: `{"allOf":[{"type":"string"}]}`, new: `{"allOf":[{"type":"string"},{"maxLength":5}]}`, want: "PRODUCT_TYPE_EXTENDED"},
	{name: "json/backward/one-of-to-any-of", level: Backward,
		old: `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, new: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, compatible: true},
	{name: "json/backward/any-of-to-one-of", level: Backward,
		old: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`, new: `{"oneOf":[{"type":"string"},{"type":"integer"}]}`,
		want: "COMBINED_TYPE_CHANGED"},
	{name: "json/backward/type-to-one-of-containing-it", level: Backward,
		old: `{"type":"string"}`, new: `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, compatible: true},
	{name: "json/backward/one-of-to-one-of-its-types", level: Backward,
		old: `{"oneOf":[{"type":"string"},{"type":"integer"}]}`, new: `{"type":"string"}`, want: "TYPE_CHANGED"},
	{name: "json/backward/not-narrowed", level: Backward,
		old: `{"not":{"type":["string","integer"]}}`, new: `{"not":{"type":"string"}}`, compatible: true},
	{name: "json/backward/not-extended", level: Backward,
		old: `{"not":{"type":"string"}}`, new: `{"not":{"type":["string","integer"]}}`, want: "NOT_TYPE_EXTENDED"},

	// $ref: compared through to the referenced schema, including recursive ones.
	{name: "json/backward/local-ref-target-widened", level: Backward,
		old: `{"definitions":{"N":{"type":"integer"}},"type":"object","properties":{"a":{"$ref":"#/definitions/N"}}}`,
		new: `{"definitions":{"N":{"type":"number"}},"type":"object","properties":{"a":{"$ref":"#/definitions/N"}}}`, compatible: true},
	{name: "json/backward/local-ref-target-changed", level: Backward,
		old:  `{"definitions":{"N":{"type":"integer"}},"type":"object","properties":{"a":{"$ref":"#/definitions/N"}}}`,
		new:  `{"definitions":{"N":{"type":"string"}},"type":"object","properties":{"a":{"$ref":"#/definitions/N"}}}`,
		want: "#/properties/a'"},
	{name: "json/backward/ref-replaced-by-inline-schema", level: Backward,
		old: `{"$defs":{"S":{"type":"string","maxLength":3}},"type":"object","properties":{"a":{"$ref":"#/$defs/S"}}}`,
		new: `{"type":"object","properties":{"a":{"type":"string"}}}`, compatible: true},
	{name: "json/backward/recursive-ref-unchanged", level: Backward,
		old:        `{"$defs":{"T":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/T"}}}}},"$ref":"#/$defs/T"}`,
		new:        `{"$defs":{"T":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/T"}}}}},"$ref":"#/$defs/T"}`,
		compatible: true},
	{name: "json/backward/recursive-ref-changed", level: Backward,
		old:  `{"$defs":{"T":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/T"}}}}},"$ref":"#/$defs/T"}`,
		new:  `{"$defs":{"T":{"type":"object","properties":{"v":{"type":"string"},"kids":{"type":"array","items":{"$ref":"#/$defs/T"}}}}},"$ref":"#/$defs/T"}`,
		want: "#/properties/v'"},

	{name: "json/backward/root-self-reference-widened", level: Backward,
		old: obj(`"v":{"type":"integer"},"self":{"$ref":"#"}`), new: obj(`"v":{"type":"number"},"self":{"$ref":"#"}`), compatible: true},
	{name: "json/backward/root-self-reference-narrowed", level: Backward,
		old: obj(`"v":{"type":"number"},"self":{"$ref":"#"}`), new: obj(`"v":{"type":"integer"},"self":{"$ref":"#"}`),
		want: "TYPE_NARROWED"},
	{name: "json/backward/mutual-recursion-changed", level: Backward,
		old:  `{"$defs":{"A":{"type":"object","properties":{"b":{"$ref":"#/$defs/B"}}},"B":{"type":"object","properties":{"a":{"$ref":"#/$defs/A"},"n":{"type":"string"}}}},"$ref":"#/$defs/A"}`,
		new:  `{"$defs":{"A":{"type":"object","properties":{"b":{"$ref":"#/$defs/B"}}},"B":{"type":"object","properties":{"a":{"$ref":"#/$defs/A"},"n":{"type":"boolean"}}}},"$ref":"#/$defs/A"}`,
		want: "#/properties/b/properties/n'"},

	// Drafts: the same constraints compare equal whichever draft spells them.
	{name: "json/backward/draft-04-to-2020-12", level: Backward,
		old:        `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","properties":{"a":{"type":"integer","minimum":0}}}`,
		new:        `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"a":{"type":"integer","minimum":0}}}`,
		compatible: true},
	{name: "json/backward/draft-07-to-2019-09-narrowed", level: Backward,
		old:  `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":"integer"}}}`,
		new:  `{"$schema":"https://json-schema.org/draft/2019-09/schema","type":"object","properties":{"a":{"type":"integer","maximum":9}}}`,
		want: "MAXIMUM_ADDED"},

	// Dependencies.
	{name: "json/backward/dependency-array-narrowed", level: Backward,
		old: obj(`"a":{},"b":{},"c":{}`, `"dependencies":{"a":["b","c"]}`), new: obj(`"a":{},"b":{},"c":{}`, `"dependencies":{"a":["b"]}`), compatible: true},
	{name: "json/backward/dependency-array-extended", level: Backward,
		old: obj(`"a":{},"b":{},"c":{}`, `"dependencies":{"a":["b"]}`), new: obj(`"a":{},"b":{},"c":{}`, `"dependencies":{"a":["b","c"]}`),
		want: "DEPENDENCY_ARRAY_EXTENDED"},

	// Kafka Connect's bytes marker lets the JSON type change (Confluent's JsonConverter fix).
	{name: "json/backward/connect-bytes-type-changed", level: Backward,
		old: obj(`"d":{"type":"number","connect.type":"bytes"}`), new: obj(`"d":{"type":"string","connect.type":"bytes"}`), compatible: true},
	{name: "json/backward/connect-bytes-only-on-one-side", level: Backward,
		old: obj(`"d":{"type":"number"}`), new: obj(`"d":{"type":"string","connect.type":"bytes"}`), want: "TYPE_CHANGED"},

	// Levels.
	{name: "json/full/max-length-increased", level: Full,
		old: `{"type":"string","maxLength":5}`, new: `{"type":"string","maxLength":10}`, want: "MAX_LENGTH_DECREASED"},
	{name: "json/full/description-changed", level: Full,
		old: `{"type":"string","description":"a"}`, new: `{"type":"string","description":"b","title":"t"}`, compatible: true},
}

func TestJSONRules(t *testing.T) { runRuleCases(t, TypeJSON, jsonCases, nil) }

func TestJSONReferences(t *testing.T) {
	addr := func(zip string) Schema {
		return Schema{Type: TypeJSON, Text: `{"type":"object","properties":{"zip":{"type":"` + zip + `"}}}`}
	}
	subjects := map[string]Schema{"addr/1": addr("string"), "addr/2": addr("integer"), "addr/3": addr("string")}
	person := `{"type":"object","properties":{"home":{"$ref":"address.json"}}}`
	ref := func(v int) []Reference { return []Reference{{Name: "address.json", Subject: "addr", Version: v}} }
	cases := []struct {
		name       string
		old, new   int
		compatible bool
	}{
		{"json/backward/reference-version-compatible", 1, 3, true},
		{"json/backward/reference-version-incompatible", 1, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Check(Backward,
				Schema{Type: TypeJSON, Text: person, References: ref(tc.new)},
				[]Schema{{Type: TypeJSON, Text: person, References: ref(tc.old)}}, mapResolver(subjects))
			if err != nil {
				t.Fatal(err)
			}
			if res.Compatible != tc.compatible {
				t.Fatalf("Compatible = %v, want %v: %q", res.Compatible, tc.compatible, res.Messages)
			}
		})
	}
	t.Run("json/reference-with-id-base", func(t *testing.T) {
		withID := `{"$id":"https://example.com/schemas/person.json","type":"object","properties":{"home":{"$ref":"address.json"}}}`
		_, err := Check(Backward, Schema{Type: TypeJSON, Text: withID, References: ref(1)}, nil, mapResolver(subjects))
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("json/unresolvable-ref-is-invalid", func(t *testing.T) {
		_, err := Check(Backward, Schema{Type: TypeJSON, Text: person}, nil, nil)
		if err == nil {
			t.Fatal("no error for a $ref without a reference")
		}
	})
}
