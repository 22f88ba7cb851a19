package dev.vantage.model.catalogue;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Sanity of the tables themselves: every type has one, and no field is listed twice. */
class TypeSpecsTest {

    @Test
    void everyTypeHasATableWithoutDuplicateFields() {
        for (TestType type : TestType.values()) {
            TypeSpec spec = TypeSpecs.spec(type);
            assertThat(spec).as(type.wireName()).isNotNull();
            assertThat(spec.type()).isEqualTo(type);
            Set<String> names = new HashSet<>();
            TypeSpecs.COMMON.forEach(f -> assertThat(names.add(f.name())).as(f.name()).isTrue());
            spec.fields().forEach(f -> assertThat(names.add(f.name())).as(type.wireName() + "." + f.name()).isTrue());
        }
    }

    @Test
    void defaultsPassTheirOwnChecks() throws Exception {
        for (TestType type : TestType.values()) {
            for (FieldSpec f : TypeSpecs.spec(type).fields()) {
                if (f.defaultValue() == null || f.is(FieldSpec.Flag.IGN) || f.is(FieldSpec.Flag.RO)) continue;
                assertThat(f.check(f.defaultValue(), f.name())).as(type.wireName() + "." + f.name())
                        .isEqualTo(f.defaultValue());
            }
        }
    }
}
