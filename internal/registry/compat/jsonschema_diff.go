package compat

import (
	"encoding/json"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// jdiffType is Confluent's json.diff.Difference.Type. Only the changes Confluent can report are
// listed; the names are what appears in messages.
type jdiffType uint8

const (
	jdSchemaAdded jdiffType = iota
	jdSchemaRemoved
	jdTypeExtended
	jdTypeNarrowed
	jdTypeChanged
	jdMaxLengthAdded
	jdMaxLengthRemoved
	jdMaxLengthIncreased
	jdMaxLengthDecreased
	jdMinLengthAdded
	jdMinLengthRemoved
	jdMinLengthIncreased
	jdMinLengthDecreased
	jdPatternAdded
	jdPatternRemoved
	jdPatternChanged
	jdMaximumAdded
	jdMaximumRemoved
	jdMaximumIncreased
	jdMaximumDecreased
	jdMinimumAdded
	jdMinimumRemoved
	jdMinimumIncreased
	jdMinimumDecreased
	jdExclusiveMaximumAdded
	jdExclusiveMaximumRemoved
	jdExclusiveMaximumIncreased
	jdExclusiveMaximumDecreased
	jdExclusiveMinimumAdded
	jdExclusiveMinimumRemoved
	jdExclusiveMinimumIncreased
	jdExclusiveMinimumDecreased
	jdMultipleOfAdded
	jdMultipleOfRemoved
	jdMultipleOfExpanded
	jdMultipleOfReduced
	jdMultipleOfChanged
	jdRequiredAttributeAdded
	jdRequiredAttributeWithDefaultAdded
	jdRequiredAttributeRemoved
	jdMaxPropertiesAdded
	jdMaxPropertiesRemoved
	jdMaxPropertiesIncreased
	jdMaxPropertiesDecreased
	jdMinPropertiesAdded
	jdMinPropertiesRemoved
	jdMinPropertiesIncreased
	jdMinPropertiesDecreased
	jdAdditionalPropertiesAdded
	jdAdditionalPropertiesRemoved
	jdAdditionalPropertiesExtended
	jdAdditionalPropertiesNarrowed
	jdDependencyArrayAdded
	jdDependencyArrayRemoved
	jdDependencyArrayExtended
	jdDependencyArrayNarrowed
	jdDependencyArrayChanged
	jdDependencySchemaAdded
	jdDependencySchemaRemoved
	jdRequiredPropertyAddedToOpenContentModel
	jdRequiredPropertyWithDefaultAddedToOpenContentModel
	jdOptionalPropertyAddedToOpenContentModel
	jdPropertyWithEmptySchemaAddedToOpenContentModel
	jdRequiredPropertyAddedToUnopenContentModel
	jdRequiredPropertyWithDefaultAddedToUnopenContentModel
	jdOptionalPropertyAddedToUnopenContentModel
	jdPropertyRemovedFromOpenContentModel
	jdPropertyWithFalseRemovedFromClosedContentModel
	jdPropertyRemovedFromClosedContentModel
	jdPropertyRemovedIsCoveredByPartiallyOpenContentModel
	jdPropertyRemovedNotCoveredByPartiallyOpenContentModel
	jdPropertyAddedIsCoveredByPartiallyOpenContentModel
	jdPropertyAddedNotCoveredByPartiallyOpenContentModel
	jdUnevaluatedPropertiesAdded
	jdUnevaluatedPropertiesRemoved
	jdUnevaluatedPropertiesExtended
	jdUnevaluatedPropertiesNarrowed
	jdMaxItemsAdded
	jdMaxItemsRemoved
	jdMaxItemsIncreased
	jdMaxItemsDecreased
	jdMinItemsAdded
	jdMinItemsRemoved
	jdMinItemsIncreased
	jdMinItemsDecreased
	jdMaxContainsAdded
	jdMaxContainsRemoved
	jdMaxContainsIncreased
	jdMaxContainsDecreased
	jdMinContainsAdded
	jdMinContainsRemoved
	jdMinContainsIncreased
	jdMinContainsDecreased
	jdUniqueItemsAdded
	jdUniqueItemsRemoved
	jdAdditionalItemsAdded
	jdAdditionalItemsRemoved
	jdAdditionalItemsExtended
	jdAdditionalItemsNarrowed
	jdUnevaluatedItemsAdded
	jdUnevaluatedItemsRemoved
	jdUnevaluatedItemsExtended
	jdUnevaluatedItemsNarrowed
	jdItemAddedToOpenContentModel
	jdItemWithEmptySchemaAddedToOpenContentModel
	jdItemAddedToClosedContentModel
	jdItemRemovedFromOpenContentModel
	jdItemWithFalseRemovedFromClosedContentModel
	jdItemRemovedFromClosedContentModel
	jdItemRemovedIsCoveredByPartiallyOpenContentModel
	jdItemRemovedNotCoveredByPartiallyOpenContentModel
	jdItemAddedIsCoveredByPartiallyOpenContentModel
	jdItemAddedNotCoveredByPartiallyOpenContentModel
	jdEnumArrayExtended
	jdEnumArrayNarrowed
	jdEnumArrayChanged
	jdCombinedTypeExtended
	jdCombinedTypeChanged
	jdProductTypeExtended
	jdProductTypeNarrowed
	jdSumTypeExtended
	jdSumTypeNarrowed
	jdCombinedTypeSubschemasChanged
	jdNotTypeExtended
	jdNotTypeNarrowed
	jdCount
)

// jdiffInfo is a difference type's name, whether Confluent's STRICT policy accepts it, and the
// message family Difference.error() uses for it.
type jdiffInfo struct {
	name       string
	compatible bool
	msg        jmsg
}

type jmsg uint8

const (
	jmNone jmsg = iota
	jmKeywordAddedOrRemoved
	jmValueIncreased
	jmValueDecreased
	jmValueChanged
	jmTypeNarrowed
	jmTypeExtended
	jmTypeChanged
	jmAddedToOpen
	jmRequiredAddedToUnopen
	jmRemovedFromClosed
	jmRemovedNotCovered
	jmAddedNotCovered
)

// jdiffs is the table behind every JSON Schema rule. "compatible" is membership of
// SchemaDiff.COMPATIBLE_CHANGES_STRICT; the message families are Difference's sets.
var jdiffs = [jdCount]jdiffInfo{
	jdSchemaAdded:                             {"SCHEMA_ADDED", false, jmNone},
	jdSchemaRemoved:                           {"SCHEMA_REMOVED", true, jmNone},
	jdTypeExtended:                            {"TYPE_EXTENDED", true, jmNone},
	jdTypeNarrowed:                            {"TYPE_NARROWED", false, jmTypeChanged},
	jdTypeChanged:                             {"TYPE_CHANGED", false, jmTypeChanged},
	jdMaxLengthAdded:                          {"MAX_LENGTH_ADDED", false, jmKeywordAddedOrRemoved},
	jdMaxLengthRemoved:                        {"MAX_LENGTH_REMOVED", true, jmNone},
	jdMaxLengthIncreased:                      {"MAX_LENGTH_INCREASED", true, jmNone},
	jdMaxLengthDecreased:                      {"MAX_LENGTH_DECREASED", false, jmValueDecreased},
	jdMinLengthAdded:                          {"MIN_LENGTH_ADDED", false, jmKeywordAddedOrRemoved},
	jdMinLengthRemoved:                        {"MIN_LENGTH_REMOVED", true, jmNone},
	jdMinLengthIncreased:                      {"MIN_LENGTH_INCREASED", false, jmValueIncreased},
	jdMinLengthDecreased:                      {"MIN_LENGTH_DECREASED", true, jmNone},
	jdPatternAdded:                            {"PATTERN_ADDED", false, jmKeywordAddedOrRemoved},
	jdPatternRemoved:                          {"PATTERN_REMOVED", true, jmNone},
	jdPatternChanged:                          {"PATTERN_CHANGED", false, jmValueChanged},
	jdMaximumAdded:                            {"MAXIMUM_ADDED", false, jmKeywordAddedOrRemoved},
	jdMaximumRemoved:                          {"MAXIMUM_REMOVED", true, jmNone},
	jdMaximumIncreased:                        {"MAXIMUM_INCREASED", true, jmNone},
	jdMaximumDecreased:                        {"MAXIMUM_DECREASED", false, jmValueDecreased},
	jdMinimumAdded:                            {"MINIMUM_ADDED", false, jmKeywordAddedOrRemoved},
	jdMinimumRemoved:                          {"MINIMUM_REMOVED", true, jmNone},
	jdMinimumIncreased:                        {"MINIMUM_INCREASED", false, jmValueIncreased},
	jdMinimumDecreased:                        {"MINIMUM_DECREASED", true, jmNone},
	jdExclusiveMaximumAdded:                   {"EXCLUSIVE_MAXIMUM_ADDED", false, jmKeywordAddedOrRemoved},
	jdExclusiveMaximumRemoved:                 {"EXCLUSIVE_MAXIMUM_REMOVED", true, jmNone},
	jdExclusiveMaximumIncreased:               {"EXCLUSIVE_MAXIMUM_INCREASED", true, jmNone},
	jdExclusiveMaximumDecreased:               {"EXCLUSIVE_MAXIMUM_DECREASED", false, jmValueDecreased},
	jdExclusiveMinimumAdded:                   {"EXCLUSIVE_MINIMUM_ADDED", false, jmKeywordAddedOrRemoved},
	jdExclusiveMinimumRemoved:                 {"EXCLUSIVE_MINIMUM_REMOVED", true, jmNone},
	jdExclusiveMinimumIncreased:               {"EXCLUSIVE_MINIMUM_INCREASED", false, jmValueIncreased},
	jdExclusiveMinimumDecreased:               {"EXCLUSIVE_MINIMUM_DECREASED", true, jmNone},
	jdMultipleOfAdded:                         {"MULTIPLE_OF_ADDED", false, jmKeywordAddedOrRemoved},
	jdMultipleOfRemoved:                       {"MULTIPLE_OF_REMOVED", true, jmNone},
	jdMultipleOfExpanded:                      {"MULTIPLE_OF_EXPANDED", false, jmValueIncreased},
	jdMultipleOfReduced:                       {"MULTIPLE_OF_REDUCED", true, jmNone},
	jdMultipleOfChanged:                       {"MULTIPLE_OF_CHANGED", false, jmValueChanged},
	jdRequiredAttributeAdded:                  {"REQUIRED_ATTRIBUTE_ADDED", false, jmKeywordAddedOrRemoved},
	jdRequiredAttributeWithDefaultAdded:       {"REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", true, jmNone},
	jdRequiredAttributeRemoved:                {"REQUIRED_ATTRIBUTE_REMOVED", true, jmNone},
	jdMaxPropertiesAdded:                      {"MAX_PROPERTIES_ADDED", false, jmKeywordAddedOrRemoved},
	jdMaxPropertiesRemoved:                    {"MAX_PROPERTIES_REMOVED", true, jmNone},
	jdMaxPropertiesIncreased:                  {"MAX_PROPERTIES_INCREASED", true, jmNone},
	jdMaxPropertiesDecreased:                  {"MAX_PROPERTIES_DECREASED", false, jmValueDecreased},
	jdMinPropertiesAdded:                      {"MIN_PROPERTIES_ADDED", false, jmKeywordAddedOrRemoved},
	jdMinPropertiesRemoved:                    {"MIN_PROPERTIES_REMOVED", true, jmNone},
	jdMinPropertiesIncreased:                  {"MIN_PROPERTIES_INCREASED", false, jmValueIncreased},
	jdMinPropertiesDecreased:                  {"MIN_PROPERTIES_DECREASED", true, jmNone},
	jdAdditionalPropertiesAdded:               {"ADDITIONAL_PROPERTIES_ADDED", true, jmNone},
	jdAdditionalPropertiesRemoved:             {"ADDITIONAL_PROPERTIES_REMOVED", false, jmKeywordAddedOrRemoved},
	jdAdditionalPropertiesExtended:            {"ADDITIONAL_PROPERTIES_EXTENDED", true, jmNone},
	jdAdditionalPropertiesNarrowed:            {"ADDITIONAL_PROPERTIES_NARROWED", false, jmTypeNarrowed},
	jdDependencyArrayAdded:                    {"DEPENDENCY_ARRAY_ADDED", false, jmKeywordAddedOrRemoved},
	jdDependencyArrayRemoved:                  {"DEPENDENCY_ARRAY_REMOVED", true, jmNone},
	jdDependencyArrayExtended:                 {"DEPENDENCY_ARRAY_EXTENDED", false, jmTypeExtended},
	jdDependencyArrayNarrowed:                 {"DEPENDENCY_ARRAY_NARROWED", true, jmNone},
	jdDependencyArrayChanged:                  {"DEPENDENCY_ARRAY_CHANGED", false, jmValueChanged},
	jdDependencySchemaAdded:                   {"DEPENDENCY_SCHEMA_ADDED", false, jmKeywordAddedOrRemoved},
	jdDependencySchemaRemoved:                 {"DEPENDENCY_SCHEMA_REMOVED", true, jmNone},
	jdRequiredPropertyAddedToOpenContentModel: {"REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", false, jmAddedToOpen},
	jdRequiredPropertyWithDefaultAddedToOpenContentModel:   {"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL", false, jmAddedToOpen},
	jdOptionalPropertyAddedToOpenContentModel:              {"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", false, jmAddedToOpen},
	jdPropertyWithEmptySchemaAddedToOpenContentModel:       {"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", true, jmNone},
	jdRequiredPropertyAddedToUnopenContentModel:            {"REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", false, jmRequiredAddedToUnopen},
	jdRequiredPropertyWithDefaultAddedToUnopenContentModel: {"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", true, jmNone},
	jdOptionalPropertyAddedToUnopenContentModel:            {"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", true, jmNone},
	jdPropertyRemovedFromOpenContentModel:                  {"PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", true, jmNone},
	jdPropertyWithFalseRemovedFromClosedContentModel:       {"PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", true, jmNone},
	jdPropertyRemovedFromClosedContentModel:                {"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", false, jmRemovedFromClosed},
	jdPropertyRemovedIsCoveredByPartiallyOpenContentModel:  {"PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, jmNone},
	jdPropertyRemovedNotCoveredByPartiallyOpenContentModel: {"PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, jmRemovedNotCovered},
	jdPropertyAddedIsCoveredByPartiallyOpenContentModel:    {"PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, jmNone},
	jdPropertyAddedNotCoveredByPartiallyOpenContentModel:   {"PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, jmAddedNotCovered},
	jdUnevaluatedPropertiesAdded:                           {"UNEVALUATED_PROPERTIES_ADDED", true, jmNone},
	jdUnevaluatedPropertiesRemoved:                         {"UNEVALUATED_PROPERTIES_REMOVED", false, jmKeywordAddedOrRemoved},
	jdUnevaluatedPropertiesExtended:                        {"UNEVALUATED_PROPERTIES_EXTENDED", true, jmNone},
	jdUnevaluatedPropertiesNarrowed:                        {"UNEVALUATED_PROPERTIES_NARROWED", false, jmTypeNarrowed},
	jdMaxItemsAdded:                                        {"MAX_ITEMS_ADDED", false, jmKeywordAddedOrRemoved},
	jdMaxItemsRemoved:                                      {"MAX_ITEMS_REMOVED", true, jmNone},
	jdMaxItemsIncreased:                                    {"MAX_ITEMS_INCREASED", true, jmNone},
	jdMaxItemsDecreased:                                    {"MAX_ITEMS_DECREASED", false, jmValueDecreased},
	jdMinItemsAdded:                                        {"MIN_ITEMS_ADDED", false, jmKeywordAddedOrRemoved},
	jdMinItemsRemoved:                                      {"MIN_ITEMS_REMOVED", true, jmNone},
	jdMinItemsIncreased:                                    {"MIN_ITEMS_INCREASED", false, jmValueIncreased},
	jdMinItemsDecreased:                                    {"MIN_ITEMS_DECREASED", true, jmNone},
	jdMaxContainsAdded:                                     {"MAX_CONTAINS_ADDED", false, jmKeywordAddedOrRemoved},
	jdMaxContainsRemoved:                                   {"MAX_CONTAINS_REMOVED", true, jmNone},
	jdMaxContainsIncreased:                                 {"MAX_CONTAINS_INCREASED", true, jmNone},
	jdMaxContainsDecreased:                                 {"MAX_CONTAINS_DECREASED", false, jmValueDecreased},
	jdMinContainsAdded:                                     {"MIN_CONTAINS_ADDED", false, jmKeywordAddedOrRemoved},
	jdMinContainsRemoved:                                   {"MIN_CONTAINS_REMOVED", true, jmNone},
	jdMinContainsIncreased:                                 {"MIN_CONTAINS_INCREASED", false, jmValueIncreased},
	jdMinContainsDecreased:                                 {"MIN_CONTAINS_DECREASED", true, jmNone},
	jdUniqueItemsAdded:                                     {"UNIQUE_ITEMS_ADDED", false, jmKeywordAddedOrRemoved},
	jdUniqueItemsRemoved:                                   {"UNIQUE_ITEMS_REMOVED", true, jmNone},
	jdAdditionalItemsAdded:                                 {"ADDITIONAL_ITEMS_ADDED", true, jmNone},
	jdAdditionalItemsRemoved:                               {"ADDITIONAL_ITEMS_REMOVED", false, jmKeywordAddedOrRemoved},
	jdAdditionalItemsExtended:                              {"ADDITIONAL_ITEMS_EXTENDED", true, jmNone},
	jdAdditionalItemsNarrowed:                              {"ADDITIONAL_ITEMS_NARROWED", false, jmTypeNarrowed},
	jdUnevaluatedItemsAdded:                                {"UNEVALUATED_ITEMS_ADDED", true, jmNone},
	jdUnevaluatedItemsRemoved:                              {"UNEVALUATED_ITEMS_REMOVED", false, jmKeywordAddedOrRemoved},
	jdUnevaluatedItemsExtended:                             {"UNEVALUATED_ITEMS_EXTENDED", true, jmNone},
	jdUnevaluatedItemsNarrowed:                             {"UNEVALUATED_ITEMS_NARROWED", false, jmTypeNarrowed},
	jdItemAddedToOpenContentModel:                          {"ITEM_ADDED_TO_OPEN_CONTENT_MODEL", false, jmAddedToOpen},
	jdItemWithEmptySchemaAddedToOpenContentModel:           {"ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", true, jmNone},
	jdItemAddedToClosedContentModel:                        {"ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", true, jmNone},
	jdItemRemovedFromOpenContentModel:                      {"ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", true, jmNone},
	jdItemWithFalseRemovedFromClosedContentModel:           {"ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", true, jmNone},
	jdItemRemovedFromClosedContentModel:                    {"ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", false, jmRemovedFromClosed},
	jdItemRemovedIsCoveredByPartiallyOpenContentModel:      {"ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, jmNone},
	jdItemRemovedNotCoveredByPartiallyOpenContentModel:     {"ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, jmRemovedNotCovered},
	jdItemAddedIsCoveredByPartiallyOpenContentModel:        {"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", true, jmNone},
	jdItemAddedNotCoveredByPartiallyOpenContentModel:       {"ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false, jmAddedNotCovered},
	jdEnumArrayExtended:                                    {"ENUM_ARRAY_EXTENDED", true, jmNone},
	jdEnumArrayNarrowed:                                    {"ENUM_ARRAY_NARROWED", false, jmTypeNarrowed},
	jdEnumArrayChanged:                                     {"ENUM_ARRAY_CHANGED", false, jmTypeChanged},
	jdCombinedTypeExtended:                                 {"COMBINED_TYPE_EXTENDED", true, jmNone},
	jdCombinedTypeChanged:                                  {"COMBINED_TYPE_CHANGED", false, jmTypeChanged},
	jdProductTypeExtended:                                  {"PRODUCT_TYPE_EXTENDED", false, jmTypeExtended},
	jdProductTypeNarrowed:                                  {"PRODUCT_TYPE_NARROWED", true, jmNone},
	jdSumTypeExtended:                                      {"SUM_TYPE_EXTENDED", true, jmNone},
	jdSumTypeNarrowed:                                      {"SUM_TYPE_NARROWED", false, jmTypeNarrowed},
	jdCombinedTypeSubschemasChanged:                        {"COMBINED_TYPE_SUBSCHEMAS_CHANGED", false, jmTypeChanged},
	jdNotTypeExtended:                                      {"NOT_TYPE_EXTENDED", false, jmTypeExtended},
	jdNotTypeNarrowed:                                      {"NOT_TYPE_NARROWED", true, jmNone},
}

// jdiff is one Difference, its path relative to the pair being compared ("" is the pair's
// root; Confluent prints it as "#/" + path).
type jdiff struct {
	typ  jdiffType
	path string
}

type jpair struct{ orig, upd *jnode }

// jshared is the state one SchemaDiff.compare shares across subcontexts: the pair memo, the
// pairs on the stack, the fixpoint seed and whether a cycle was assumed compatible (Confluent's
// Context; see jsonReadable for why the fixpoint exists).
type jshared struct {
	memo       map[jpair][]jdiff
	inProgress map[jpair]bool
	seed       map[jpair][]jdiff
	optimism   bool
	view       *jview
	paths      [][]string // path buffers for pair comparisons, one per nesting level
}

// scratch returns the path buffer for the pair comparison at nesting level d, which is free:
// levels below d belong to the comparisons on the stack.
func (sh *jshared) scratch(d int) []string {
	for len(sh.paths) <= d {
		sh.paths = append(sh.paths, make([]string, 0, 32))
	}
	return sh.paths[d][:0]
}

// jctx is Confluent's json.diff.Context: a path and the differences found under it.
type jctx struct {
	sh    *jshared
	path  []string
	diffs []jdiff
	probe bool
}

// sub starts a subcontext at the current path. It may share the path's backing array: a
// subcontext is used to completion before its parent continues, and its own entries lie beyond
// the parent's length.
func (c *jctx) sub() *jctx {
	return &jctx{sh: c.sh, path: c.path, probe: c.probe}
}

// probeSub starts a subcontext whose only question is whether it finds anything: it keeps a
// marker instead of rendering each difference's path.
func (c *jctx) probeSub() jctx {
	return jctx{sh: c.sh, path: c.path, probe: true}
}

// probeDiffs is what a probing context holds once it found something. Nothing appends to it:
// a probing context stops recording after the first difference.
var probeDiffs = []jdiff{{typ: jdTypeChanged, path: "(probe)"}}

func (c *jctx) enter(p ...string) { c.path = append(c.path, p...) }
func (c *jctx) leave(n int)       { c.path = c.path[:len(c.path)-n] }

// add records a difference at the current path. Compatible differences are not kept: no
// verdict or message depends on them (Confluent filters them out of its answer too).
func (c *jctx) add(t jdiffType) {
	switch {
	case jdiffs[t].compatible:
	case c.probe:
		c.diffs = probeDiffs
	default:
		c.diffs = append(c.diffs, jdiff{typ: t, path: strings.Join(c.path, "/")})
	}
}

func (c *jctx) addAt(attr string, t jdiffType) {
	c.enter(attr)
	c.add(t)
	c.leave(1)
}

func (c *jctx) compatible() bool { return len(c.diffs) == 0 }

// addRebased adds pair-relative differences under the current path.
func (c *jctx) addRebased(ds []jdiff) {
	if c.probe {
		if len(ds) > 0 {
			c.diffs = probeDiffs
		}
		return
	}
	if len(c.path) == 0 {
		c.diffs = append(c.diffs, ds...)
		return
	}
	prefix := strings.Join(c.path, "/")
	for _, d := range ds {
		p := prefix
		if d.path != "" {
			p += "/" + d.path
		}
		c.diffs = append(c.diffs, jdiff{typ: d.typ, path: p})
	}
}

// jsonReadable reports the incompatible differences from writer (Confluent's original) to reader
// (the update).
//
// Like Confluent's SchemaDiff.compare it memoises pairs and assumes a pair that recurs while being
// compared is compatible. A memoised result can then rest on an assumption that later failed, so
// the comparison repeats with the pairs found incompatible fed back as a seed, until the set of
// incompatible pairs stops growing; a pass that assumed nothing is exact at once.
func jsonReadable(reader, writer parsed) []string {
	r, w := reader.(*jsonSchema), writer.(*jsonSchema)
	v := &jview{nodes: make(map[*jsonschema.Schema]*jnode, 64), docs: []map[string]any{w.docs, r.docs},
		connect: w.connect && r.connect, combined: w.combined || r.combined}
	orig, upd := v.view(w.root), v.view(r.root)
	var seed map[jpair][]jdiff
	var diffs []jdiff
	for range 64 {
		sh := &jshared{memo: make(map[jpair][]jdiff, 64), inProgress: make(map[jpair]bool, 16), seed: seed, view: v}
		c := &jctx{sh: sh, path: make([]string, 0, 32)}
		jcompare(c, orig, upd)
		diffs = c.diffs
		if !sh.optimism {
			break
		}
		incompatible := make(map[jpair][]jdiff)
		for p, ds := range sh.memo {
			if len(ds) > 0 {
				incompatible[p] = ds
			}
		}
		if sameKeys(incompatible, seed) {
			break
		}
		seed = incompatible
	}
	var out []string
	for _, d := range diffs {
		out = append(out, jdiffMessage(d))
	}
	return out
}

func sameKeys(a, b map[jpair][]jdiff) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

// jcompare is SchemaDiff.compare(ctx, original, update).
func jcompare(c *jctx, orig, upd *jnode) {
	switch {
	case orig == nil && upd == nil:
		return
	case orig == nil:
		c.add(jdSchemaAdded)
		return
	case upd == nil:
		c.add(jdSchemaRemoved)
		return
	}
	if !orig.shared && !upd.shared {
		// Reached on this path only: no memo entry could be used again, and no cycle can pass
		// through the pair without a $ref, whose target is shared. A cycle entered before its
		// target was known to be shared is caught one level later.
		jcompareTypes(c, orig, upd)
		return
	}
	c.addRebased(c.memoized(orig, upd))
}

// memoized is Context.compareMemoized.
func (c *jctx) memoized(orig, upd *jnode) []jdiff {
	k := jpair{orig, upd}
	sh := c.sh
	if ds, ok := sh.memo[k]; ok {
		return ds
	}
	if sh.inProgress[k] {
		if ds, ok := sh.seed[k]; ok {
			return ds
		}
		sh.optimism = true
		return nil
	}
	sh.inProgress[k] = true
	sub := &jctx{sh: sh, path: sh.scratch(len(sh.inProgress))}
	jcompareTypes(sub, orig, upd)
	delete(sh.inProgress, k)
	sh.memo[k] = sub.diffs
	return sub.diffs
}

// jschemaS compares two compiled subschemas (either may be nil).
func (c *jctx) jschemaS(orig, upd *jsonschema.Schema) {
	jcompare(c, c.sh.view.view(orig), c.sh.view.view(upd))
}

// jcompareTypes is SchemaDiff.compareTypes.
func jcompareTypes(c *jctx, orig, upd *jnode) {
	if orig.cls != jCombined && upd.cls == jCombined {
		// A schema that became a union (anyOf/oneOf) of itself and more is wider.
		if len(upd.subs) == 1 {
			s := c.probeSub()
			jcompare(&s, orig, upd.subs[0])
			if s.compatible() {
				c.diffs = append(c.diffs, s.diffs...)
				return
			}
		} else if upd.crit == critAny || upd.crit == critOne {
			for _, u := range upd.subs {
				s := c.probeSub()
				jcompare(&s, orig, u)
				if s.compatible() {
					c.diffs = append(c.diffs, s.diffs...)
					c.add(jdSumTypeExtended)
					return
				}
			}
		}
	} else if orig.cls == jCombined && upd.cls != jCombined {
		// An allOf that became one of its parts is narrower.
		if len(orig.subs) == 1 {
			s := c.probeSub()
			jcompare(&s, orig.subs[0], upd)
			if s.compatible() {
				c.diffs = append(c.diffs, s.diffs...)
				return
			}
		} else if orig.crit == critAll {
			for _, o := range orig.subs {
				s := c.probeSub()
				jcompare(&s, o, upd)
				if s.compatible() {
					c.diffs = append(c.diffs, s.diffs...)
					c.add(jdProductTypeNarrowed)
					return
				}
			}
		}
	}
	if orig.cls != upd.cls {
		// Anything can become {} or true, and false can become anything.
		if orig.cls == jFalse || upd.cls.isEmpty() {
			return
		}
		// Kafka Connect marks bytes as "connect.type": "bytes"; Confluent lets such a schema
		// change its JSON type (its JsonConverter's decimal fix).
		if v := c.sh.view; v.connect && v.keyword(orig.src, "connect.type") == "bytes" && v.keyword(upd.src, "connect.type") == "bytes" {
			return
		}
		c.add(jdTypeChanged)
		return
	}
	switch orig.cls {
	case jString:
		jcompareString(c, orig.src, upd.src)
	case jNumber:
		jcompareNumber(c, orig, upd)
	case jConst:
		if !jsonEqual(*orig.src.Const, *upd.src.Const) {
			c.addAt("const", jdEnumArrayChanged)
		}
	case jEnum:
		jcompareEnum(c, orig.src.Enum.Values, upd.src.Enum.Values)
	case jCombined:
		jcompareCombined(c, orig, upd)
	case jNot:
		c.enter("not")
		s := c.probeSub()
		// Reversed: a wider "not" accepts less.
		s.jschemaS(upd.src.Not, orig.src.Not)
		if s.compatible() {
			c.add(jdNotTypeNarrowed)
		} else {
			c.add(jdNotTypeExtended)
		}
		c.leave(1)
	case jObject:
		jcompareObject(c, orig.src, upd.src)
	case jArray:
		jcompareArray(c, orig.src, upd.src)
	}
}

func jcompareString(c *jctx, o, u *jsonschema.Schema) {
	jcompareLimit(c, "maxLength", intRat(o.MaxLength), intRat(u.MaxLength), jdMaxLengthAdded, jdMaxLengthRemoved, jdMaxLengthIncreased, jdMaxLengthDecreased)
	jcompareLimit(c, "minLength", intRat(o.MinLength), intRat(u.MinLength), jdMinLengthAdded, jdMinLengthRemoved, jdMinLengthIncreased, jdMinLengthDecreased)
	switch {
	case o.Pattern == nil && u.Pattern != nil:
		c.addAt("pattern", jdPatternAdded)
	case o.Pattern != nil && u.Pattern == nil:
		c.addAt("pattern", jdPatternRemoved)
	case o.Pattern != nil && o.Pattern.String() != u.Pattern.String():
		c.addAt("pattern", jdPatternChanged)
	}
}

// jcompareLimit records how a numeric keyword changed: added, removed, increased or decreased.
func jcompareLimit(c *jctx, attr string, o, u *big.Rat, added, removed, increased, decreased jdiffType) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		c.addAt(attr, added)
	case u == nil:
		c.addAt(attr, removed)
	default:
		switch o.Cmp(u) {
		case -1:
			c.addAt(attr, increased)
		case 1:
			c.addAt(attr, decreased)
		}
	}
}

func intRat(p *int) *big.Rat {
	if p == nil {
		return nil
	}
	return new(big.Rat).SetInt64(int64(*p))
}

func jcompareNumber(c *jctx, on, un *jnode) {
	o, u := on.src, un.src
	jcompareLimit(c, "maximum", o.Maximum, u.Maximum, jdMaximumAdded, jdMaximumRemoved, jdMaximumIncreased, jdMaximumDecreased)
	jcompareLimit(c, "minimum", o.Minimum, u.Minimum, jdMinimumAdded, jdMinimumRemoved, jdMinimumIncreased, jdMinimumDecreased)
	// Confluent compares a lowered exclusiveMaximum against the new "maximum" (a slip in
	// NumberSchemaDiff); we compare the two exclusive limits, which is what the rule means.
	jcompareLimit(c, "exclusiveMaximum", o.ExclusiveMaximum, u.ExclusiveMaximum, jdExclusiveMaximumAdded, jdExclusiveMaximumRemoved, jdExclusiveMaximumIncreased, jdExclusiveMaximumDecreased)
	jcompareLimit(c, "exclusiveMinimum", o.ExclusiveMinimum, u.ExclusiveMinimum, jdExclusiveMinimumAdded, jdExclusiveMinimumRemoved, jdExclusiveMinimumIncreased, jdExclusiveMinimumDecreased)
	om, um := o.MultipleOf, u.MultipleOf
	switch {
	case om == nil && um == nil:
	case om == nil:
		c.addAt("multipleOf", jdMultipleOfAdded)
	case um == nil:
		c.addAt("multipleOf", jdMultipleOfRemoved)
	case om.Cmp(um) == 0:
	case om.Sign() != 0 && new(big.Rat).Quo(um, om).IsInt():
		// Every multiple of the new divisor is a multiple of the old one: fewer values.
		c.addAt("multipleOf", jdMultipleOfExpanded)
	case um.Sign() != 0 && new(big.Rat).Quo(om, um).IsInt():
		c.addAt("multipleOf", jdMultipleOfReduced)
	default:
		c.addAt("multipleOf", jdMultipleOfChanged)
	}
	// integer → number widens; number → integer narrows.
	if on.integer != un.integer {
		if on.integer {
			c.add(jdTypeExtended)
		} else {
			c.add(jdTypeNarrowed)
		}
	}
}

// jcompareEnum is EnumSchemaDiff: a superset of values is wider, a subset narrower.
func jcompareEnum(c *jctx, o, u []any) {
	os, us := jsonSet(o), jsonSet(u)
	if setEqual(os, us) {
		return
	}
	switch {
	case containsAll(us, os):
		c.addAt("enum", jdEnumArrayExtended)
	case containsAll(os, us):
		c.addAt("enum", jdEnumArrayNarrowed)
	default:
		c.addAt("enum", jdEnumArrayChanged)
	}
}

// jcompareCombined is CombinedSchemaDiff: the criteria, the number of subschemas, and a maximum
// matching between old and new subschemas over the pairs that are compatible, which must cover
// the smaller side (subschemas may be reordered).
func jcompareCombined(c *jctx, o, u *jnode) {
	if t, changed := combinedCriteria(o, u); changed {
		c.add(t)
		if t == jdCombinedTypeChanged {
			return
		}
	}
	no, nu := len(o.subs), len(u.subs)
	switch {
	case no < nu:
		if u.crit == critAll {
			c.add(jdProductTypeExtended)
		} else {
			c.add(jdSumTypeExtended)
		}
	case no > nu:
		if o.crit == critAny || o.crit == critOne {
			c.add(jdSumTypeNarrowed)
		} else {
			c.add(jdProductTypeNarrowed)
		}
	}
	// Matched pairs are compatible, so they add no (kept) differences.
	edges := make([]bool, no*nu)
	for i, os := range o.subs {
		c.enter(o.crit, strconv.Itoa(i))
		for j, us := range u.subs {
			s := c.probeSub()
			jcompare(&s, os, us)
			edges[i*nu+j] = s.compatible()
		}
		c.leave(2)
	}
	n := 0
	for _, i := range bipartiteMatch(edges, no, nu) {
		if i >= 0 {
			n++
		}
	}
	if n < min(no, nu) {
		c.add(jdCombinedTypeSubschemasChanged)
	}
}

// combinedCriteria is CombinedSchemaDiff.compareCriteria: moving to anyOf, or between
// singletons, or from a singleton to oneOf, or from allOf to a singleton, widens; any other
// criterion change is incompatible.
func combinedCriteria(o, u *jnode) (jdiffType, bool) {
	if o.crit == u.crit {
		return 0, false
	}
	so, su := len(o.subs) == 1, len(u.subs) == 1
	if u.crit == critAny || (so && su) || (so && u.crit == critOne) || (su && o.crit == critAll) {
		return jdCombinedTypeExtended, true
	}
	return jdCombinedTypeChanged, true
}

// bipartiteMatch returns, for each right vertex, its matched left vertex or -1, using augmenting
// paths (Kuhn). edges[l*nRight+r] says whether l and r may be matched. The sides are the
// subschemas of one combined schema, so they are small.
func bipartiteMatch(edges []bool, nLeft, nRight int) []int {
	match := make([]int, nRight)
	for i := range match {
		match[i] = -1
	}
	seen := make([]bool, nRight)
	var try func(l int) bool
	try = func(l int) bool {
		for r := range nRight {
			if !edges[l*nRight+r] || seen[r] {
				continue
			}
			seen[r] = true
			if match[r] < 0 || try(match[r]) {
				match[r] = l
				return true
			}
		}
		return false
	}
	for l := range nLeft {
		clear(seen)
		try(l)
	}
	return match
}

// objectModel is what an object schema says about properties it does not list.
type objectModel struct {
	permits    bool               // additionalProperties is not false
	additional *jsonschema.Schema // additionalProperties as a schema, if it is one
	uneval     *jsonschema.Schema // unevaluatedProperties
	patterns   []patternSchema
}

type patternSchema struct {
	re  jsonschema.Regexp
	sch *jsonschema.Schema
}

func newObjectModel(s *jsonschema.Schema) objectModel {
	m := objectModel{permits: true, uneval: s.UnevaluatedProperties}
	switch a := s.AdditionalProperties.(type) {
	case bool:
		m.permits = a
	case *jsonschema.Schema:
		if a.Bool != nil {
			m.permits = *a.Bool
		} else {
			m.additional = a
		}
	}
	for re, sch := range s.PatternProperties {
		m.patterns = append(m.patterns, patternSchema{re, sch})
	}
	// Java iterates a HashMap; we make the choice deterministic.
	sort.Slice(m.patterns, func(i, j int) bool { return m.patterns[i].re.String() < m.patterns[j].re.String() })
	return m
}

// open is ObjectSchemaDiff.isOpenContentModel: any property may appear with any value.
func (m objectModel) open(v *jview) bool {
	if !m.permits || m.additional != nil || len(m.patterns) > 0 {
		return false
	}
	return m.uneval == nil || v.view(m.uneval).cls.isEmpty()
}

// partial is schemaFromPartiallyOpenContentModel: the schema an unlisted property would get
// from patternProperties, additionalProperties or unevaluatedProperties, or nil.
func (m objectModel) partial(v *jview, prop string) *jsonschema.Schema {
	for _, p := range m.patterns {
		if p.re.MatchString(prop) {
			return p.sch
		}
	}
	if m.additional != nil {
		return m.additional
	}
	if m.permits && m.uneval != nil {
		if cls := v.view(m.uneval).cls; cls != jFalse && !cls.isEmpty() {
			return m.uneval
		}
	}
	return nil
}

func isFalse(v *jview, s *jsonschema.Schema) bool { n := v.view(s); return n != nil && n.cls == jFalse }
func isEmpty(v *jview, s *jsonschema.Schema) bool { n := v.view(s); return n != nil && n.cls.isEmpty() }

func hasDefault(s *jsonschema.Schema) bool { return s != nil && s.Default != nil }

// jcompareObject is ObjectSchemaDiff.
func jcompareObject(c *jctx, o, u *jsonschema.Schema) {
	v := c.sh.view
	// required: a property both declare became required (needs a default) or optional.
	c.enter("required")
	for _, k := range sortedKeys(o.Properties) {
		if _, ok := u.Properties[k]; !ok {
			continue
		}
		or, ur := slices.Contains(o.Required, k), slices.Contains(u.Required, k)
		switch {
		case or && !ur:
			c.addAt(k, jdRequiredAttributeRemoved)
		case !or && ur:
			if hasDefault(u.Properties[k]) {
				c.addAt(k, jdRequiredAttributeWithDefaultAdded)
			} else {
				c.addAt(k, jdRequiredAttributeAdded)
			}
		}
	}
	c.leave(1)

	om, um := newObjectModel(o), newObjectModel(u)
	c.enter("properties")
	for _, k := range unionKeys(o.Properties, u.Properties) {
		os, us := o.Properties[k], u.Properties[k]
		c.enter(k)
		switch {
		case us == nil:
			// Removed: old data may still carry it; the new schema must accept it.
			if um.open(v) {
				c.add(jdPropertyRemovedFromOpenContentModel)
			} else if p := um.partial(v, k); p != nil {
				s := c.sub()
				s.jschemaS(os, p)
				c.diffs = append(c.diffs, s.diffs...)
				if s.compatible() {
					c.add(jdPropertyRemovedIsCoveredByPartiallyOpenContentModel)
				} else {
					c.add(jdPropertyRemovedNotCoveredByPartiallyOpenContentModel)
				}
			} else if isFalse(v, os) {
				c.add(jdPropertyWithFalseRemovedFromClosedContentModel)
			} else {
				c.add(jdPropertyRemovedFromClosedContentModel)
			}
		case os == nil:
			// Added: old data may carry it with any value the old schema allowed.
			required := slices.Contains(u.Required, k)
			if om.open(v) {
				switch {
				case isEmpty(v, us):
					c.add(jdPropertyWithEmptySchemaAddedToOpenContentModel)
				case required && hasDefault(us):
					c.add(jdRequiredPropertyWithDefaultAddedToOpenContentModel)
				case required:
					c.add(jdRequiredPropertyAddedToOpenContentModel)
				default:
					c.add(jdOptionalPropertyAddedToOpenContentModel)
				}
				break
			}
			if p := om.partial(v, k); p != nil {
				s := c.sub()
				s.jschemaS(p, us)
				c.diffs = append(c.diffs, s.diffs...)
				if s.compatible() {
					c.add(jdPropertyAddedIsCoveredByPartiallyOpenContentModel)
				} else {
					c.add(jdPropertyAddedNotCoveredByPartiallyOpenContentModel)
				}
			}
			switch {
			case required && hasDefault(us):
				c.add(jdRequiredPropertyWithDefaultAddedToUnopenContentModel)
			case required:
				c.add(jdRequiredPropertyAddedToUnopenContentModel)
			default:
				c.add(jdOptionalPropertyAddedToUnopenContentModel)
			}
		default:
			c.jschemaS(os, us)
		}
		c.leave(1)
	}
	c.leave(1)

	jcompareDependencies(c, o, u)

	c.enter("additionalProperties")
	switch {
	case om.permits != um.permits:
		if um.permits {
			c.add(jdAdditionalPropertiesAdded)
		} else {
			c.add(jdAdditionalPropertiesRemoved)
		}
	case om.additional == nil && um.additional != nil:
		c.add(jdAdditionalPropertiesNarrowed)
	case om.additional != nil && um.additional == nil:
		c.add(jdAdditionalPropertiesExtended)
	default:
		c.jschemaS(om.additional, um.additional)
	}
	c.leave(1)

	jcompareUneval(c, "unevaluatedProperties", o.UnevaluatedProperties, u.UnevaluatedProperties,
		jdUnevaluatedPropertiesAdded, jdUnevaluatedPropertiesRemoved, jdUnevaluatedPropertiesExtended, jdUnevaluatedPropertiesNarrowed)

	jcompareLimit(c, "maxProperties", intRat(o.MaxProperties), intRat(u.MaxProperties), jdMaxPropertiesAdded, jdMaxPropertiesRemoved, jdMaxPropertiesIncreased, jdMaxPropertiesDecreased)
	jcompareLimit(c, "minProperties", intRat(o.MinProperties), intRat(u.MinProperties), jdMinPropertiesAdded, jdMinPropertiesRemoved, jdMinPropertiesIncreased, jdMinPropertiesDecreased)
}

// jcompareUneval compares unevaluatedProperties or unevaluatedItems (2019-09+), which Confluent
// reads as: absent ≈ true, false closes, a schema partially opens.
func jcompareUneval(c *jctx, attr string, o, u *jsonschema.Schema, added, removed, extended, narrowed jdiffType) {
	if o == nil && u == nil {
		return
	}
	v := c.sh.view
	c.enter(attr)
	switch {
	case o == nil:
		if isFalse(v, u) {
			c.add(removed)
		} else {
			c.add(narrowed)
		}
	case u == nil:
		if isFalse(v, o) {
			c.add(added)
		} else {
			c.add(extended)
		}
	case isFalse(v, o) && !isFalse(v, u):
		c.add(added)
	case !isFalse(v, o) && isFalse(v, u):
		c.add(removed)
	case isEmpty(v, o) && !isEmpty(v, u):
		c.add(narrowed)
	case !isEmpty(v, o) && isEmpty(v, u):
		c.add(extended)
	default:
		c.jschemaS(o, u)
	}
	c.leave(1)
}

// dependencies merges draft-4..7 "dependencies" with 2019-09's dependentRequired and
// dependentSchemas, the two forms everit reads from "dependencies".
func dependencies(s *jsonschema.Schema) (arrays map[string][]string, schemas map[string]*jsonschema.Schema) {
	arrays, schemas = make(map[string][]string), make(map[string]*jsonschema.Schema)
	for k, d := range s.Dependencies {
		switch d := d.(type) {
		case []string:
			arrays[k] = d
		case *jsonschema.Schema:
			schemas[k] = d
		}
	}
	for k, d := range s.DependentRequired {
		arrays[k] = d
	}
	for k, d := range s.DependentSchemas {
		schemas[k] = d
	}
	return arrays, schemas
}

func jcompareDependencies(c *jctx, o, u *jsonschema.Schema) {
	oa, os := dependencies(o)
	ua, us := dependencies(u)
	c.enter("dependencies")
	for _, k := range unionKeys(oa, ua) {
		od, okO := oa[k]
		ud, okU := ua[k]
		c.enter(k)
		switch {
		case !okU:
			c.add(jdDependencyArrayRemoved)
		case !okO:
			c.add(jdDependencyArrayAdded)
		default:
			ost, ust := stringSet(od), stringSet(ud)
			if !setEqual(ost, ust) {
				switch {
				case containsAll(ust, ost):
					c.add(jdDependencyArrayExtended)
				case containsAll(ost, ust):
					c.add(jdDependencyArrayNarrowed)
				default:
					c.add(jdDependencyArrayChanged)
				}
			}
		}
		c.leave(1)
	}
	for _, k := range unionKeys(os, us) {
		od, ud := os[k], us[k]
		c.enter(k)
		switch {
		case ud == nil:
			c.add(jdDependencySchemaRemoved)
		case od == nil:
			c.add(jdDependencySchemaAdded)
		default:
			c.jschemaS(od, ud)
		}
		c.leave(1)
	}
	c.leave(1)
}

// arrayModel is an array schema in everit's terms: one schema for all items, or a tuple of item
// schemas followed by what additionalItems allows. 2020-12's prefixItems and items map onto it.
type arrayModel struct {
	all        *jsonschema.Schema
	tuple      []*jsonschema.Schema
	permits    bool
	additional *jsonschema.Schema
	uneval     *jsonschema.Schema
}

func newArrayModel(s *jsonschema.Schema) arrayModel {
	m := arrayModel{permits: true, uneval: s.UnevaluatedItems}
	var addl any
	if s.DraftVersion >= 2020 {
		if s.PrefixItems != nil {
			m.tuple = s.PrefixItems
			if s.Items2020 != nil {
				addl = s.Items2020
			}
		} else {
			m.all = s.Items2020
		}
	} else {
		switch it := s.Items.(type) {
		case *jsonschema.Schema:
			m.all = it
		case []*jsonschema.Schema:
			m.tuple = it
			addl = s.AdditionalItems
		}
	}
	switch a := addl.(type) {
	case bool:
		m.permits = a
	case *jsonschema.Schema:
		if a.Bool != nil {
			m.permits = *a.Bool
		} else {
			m.additional = a
		}
	}
	return m
}

func (m arrayModel) open(v *jview) bool {
	if !m.permits || m.additional != nil {
		return false
	}
	return m.uneval == nil || v.view(m.uneval).cls.isEmpty()
}

func (m arrayModel) partial(v *jview) *jsonschema.Schema {
	if m.additional != nil {
		return m.additional
	}
	if m.permits && m.uneval != nil {
		if cls := v.view(m.uneval).cls; cls != jFalse && !cls.isEmpty() {
			return m.uneval
		}
	}
	return nil
}

// jcompareArray is ArraySchemaDiff.
func jcompareArray(c *jctx, o, u *jsonschema.Schema) {
	v := c.sh.view
	om, um := newArrayModel(o), newArrayModel(u)

	c.enter("items")
	c.jschemaS(om.all, um.all)
	c.leave(1)

	n := min(len(om.tuple), len(um.tuple))
	for i := range n {
		c.enter("items", strconv.Itoa(i))
		c.jschemaS(om.tuple[i], um.tuple[i])
		c.leave(2)
	}
	for i := n; i < len(om.tuple); i++ {
		// An item position the new schema no longer lists.
		c.enter("items", strconv.Itoa(i))
		switch p := um.partial(v); {
		case um.open(v):
			c.add(jdItemRemovedFromOpenContentModel)
		case p != nil:
			s := c.sub()
			s.jschemaS(om.tuple[i], p)
			c.diffs = append(c.diffs, s.diffs...)
			if s.compatible() {
				c.add(jdItemRemovedIsCoveredByPartiallyOpenContentModel)
			} else {
				c.add(jdItemRemovedNotCoveredByPartiallyOpenContentModel)
			}
		case isFalse(v, om.tuple[i]):
			c.add(jdItemWithFalseRemovedFromClosedContentModel)
		default:
			c.add(jdItemRemovedFromClosedContentModel)
		}
		c.leave(2)
	}
	for i := n; i < len(um.tuple); i++ {
		// An item position the old schema did not list.
		c.enter("items", strconv.Itoa(i))
		switch p := om.partial(v); {
		case om.open(v):
			if isEmpty(v, um.tuple[i]) {
				c.add(jdItemWithEmptySchemaAddedToOpenContentModel)
			} else {
				c.add(jdItemAddedToOpenContentModel)
			}
		case p != nil:
			s := c.sub()
			s.jschemaS(p, um.tuple[i])
			c.diffs = append(c.diffs, s.diffs...)
			if s.compatible() {
				c.add(jdItemAddedIsCoveredByPartiallyOpenContentModel)
			} else {
				c.add(jdItemAddedNotCoveredByPartiallyOpenContentModel)
			}
		default:
			c.add(jdItemAddedToClosedContentModel)
		}
		c.leave(2)
	}

	c.enter("additionalItems")
	switch {
	case om.permits != um.permits:
		if om.permits {
			c.add(jdAdditionalItemsRemoved)
		} else {
			c.add(jdAdditionalItemsAdded)
		}
	case om.additional == nil && um.additional != nil:
		c.add(jdAdditionalItemsNarrowed)
	case om.additional != nil && um.additional == nil:
		c.add(jdAdditionalItemsExtended)
	default:
		c.jschemaS(om.additional, um.additional)
	}
	c.leave(1)

	jcompareUneval(c, "unevaluatedItems", o.UnevaluatedItems, u.UnevaluatedItems,
		jdUnevaluatedItemsAdded, jdUnevaluatedItemsRemoved, jdUnevaluatedItemsExtended, jdUnevaluatedItemsNarrowed)

	jcompareLimit(c, "maxItems", intRat(o.MaxItems), intRat(u.MaxItems), jdMaxItemsAdded, jdMaxItemsRemoved, jdMaxItemsIncreased, jdMaxItemsDecreased)
	jcompareLimit(c, "minItems", intRat(o.MinItems), intRat(u.MinItems), jdMinItemsAdded, jdMinItemsRemoved, jdMinItemsIncreased, jdMinItemsDecreased)
	if o.UniqueItems != u.UniqueItems {
		if o.UniqueItems {
			c.addAt("uniqueItems", jdUniqueItemsRemoved)
		} else {
			c.addAt("uniqueItems", jdUniqueItemsAdded)
		}
	}
	jcompareLimit(c, "maxContains", intRat(o.MaxContains), intRat(u.MaxContains), jdMaxContainsAdded, jdMaxContainsRemoved, jdMaxContainsIncreased, jdMaxContainsDecreased)
	jcompareLimit(c, "minContains", intRat(o.MinContains), intRat(u.MinContains), jdMinContainsAdded, jdMinContainsRemoved, jdMinContainsIncreased, jdMinContainsDecreased)
}

// jdiffMessage renders a difference as Confluent's json.diff.Difference.toString does, quotes
// included. The %s placeholders are the reader's and the writer's roles.
func jdiffMessage(d jdiff) string {
	p := escapePct("#/" + d.path)
	var desc string
	switch jdiffs[d.typ].msg {
	case jmKeywordAddedOrRemoved:
		desc = "The keyword at path '" + p + "' in the %s schema is not present in the %s schema"
	case jmValueIncreased:
		desc = "The value at path '" + p + "' in the %s schema is more than its value in the %s schema"
	case jmValueDecreased:
		desc = "The value at path '" + p + "' in the %s schema is less than its value in the %s schema"
	case jmValueChanged:
		desc = "The value at path '" + p + "' is different between the %s and %s schema"
	case jmTypeNarrowed:
		desc = "An array or combined type at path '" + p + "' has fewer elements in the %s schema than the %s schema"
	case jmTypeExtended:
		desc = "An array or combined type at path '" + p + "' has more elements in the %s schema than the %s schema"
	case jmTypeChanged:
		desc = "A type at path '" + p + "' is different between the %s schema and the %s schema"
	case jmAddedToOpen:
		desc = "The %s schema has an open content model and has a property or item at path '" + p + "' which is missing in the %s schema"
	case jmRequiredAddedToUnopen:
		desc = "The %s schema has an unopen content model and has a required property at path '" + p + "' which is missing in the %s schema"
	case jmRemovedFromClosed:
		desc = "The %s has a closed content model and is missing a property or item present at path '" + p + "' in the %s schema"
	case jmRemovedNotCovered:
		desc = "A property or item is missing in the %s schema but present at path '" + p + "' in the %s schema and is not covered by its partially open content model"
	case jmAddedNotCovered:
		desc = "The %s schema has a property or item at path '" + p + "' which is missing in the %s schema and is not covered by its partially open content model"
	}
	return `{errorType:"` + jdiffs[d.typ].name + `", description:"` + desc + `'}`
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func stringSet(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[s] = true
	}
	return m
}

// jsonSet is a set of JSON values keyed by their canonical text, so 1 and 1.0 are one value.
func jsonSet(vs []any) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[canonicalJSON(v)] = true
	}
	return m
}

func setEqual(a, b map[string]bool) bool { return len(a) == len(b) && containsAll(a, b) }

func containsAll(a, b map[string]bool) bool {
	for k := range b {
		if !a[k] {
			return false
		}
	}
	return true
}

func jsonEqual(a, b any) bool { return canonicalJSON(a) == canonicalJSON(b) }

// canonicalJSON renders a decoded JSON value with sorted keys and exact numbers.
func canonicalJSON(v any) string {
	var sb strings.Builder
	writeCanonical(&sb, v)
	return sb.String()
}

func writeCanonical(sb *strings.Builder, v any) {
	switch v := v.(type) {
	case map[string]any:
		sb.WriteByte('{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.Quote(k))
			sb.WriteByte(':')
			writeCanonical(sb, v[k])
		}
		sb.WriteByte('}')
	case []any:
		sb.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeCanonical(sb, e)
		}
		sb.WriteByte(']')
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(v)); ok {
			sb.WriteString(r.RatString())
		} else {
			sb.WriteString(string(v))
		}
	case float64:
		if r := new(big.Rat).SetFloat64(v); r != nil {
			sb.WriteString(r.RatString())
		} else {
			sb.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
	case string:
		sb.WriteString(strconv.Quote(v))
	case bool:
		sb.WriteString(strconv.FormatBool(v))
	case nil:
		sb.WriteString("null")
	default:
		b, _ := json.Marshal(v)
		sb.Write(b)
	}
}
