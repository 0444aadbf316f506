package io.dataplane.layering;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.lang.foreign.Linker;

/**
 * The layering, checked on the compiled main classes of every module (perf's test classpath holds
 * them all). A failing rule names the offending class and the dependency. ArchUnit reads the
 * bytecode, so it sees every use of a class, not only import lines; constants the compiler inlines
 * (static final primitives and strings) leave no trace and are not seen.
 */
@AnalyzeClasses(packages = "io.dataplane", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
    private static final String FFI = "io.dataplane.ffi..";
    private static final String TABLES = "io.dataplane.tables..";
    /** The packages of the dataplane module. */
    private static final String[] DATAPLANE = {"io.dataplane.pipeline..", "io.dataplane.port..", "io.dataplane.worker..",
        "io.dataplane.icmp..", "io.dataplane.counters.."};
    private static final String CONTROL = "io.dataplane.control..";
    private static final String PERF = "io.dataplane.perf..";

    /** A new top package must be placed in a layer here, so that no rule misses it. */
    @ArchTest
    static final ArchRule everyPackageBelongsToALayer = classes().should().resideInAnyPackage(
            FFI, TABLES, DATAPLANE[0], DATAPLANE[1], DATAPLANE[2], DATAPLANE[3], DATAPLANE[4], CONTROL, PERF);

    @ArchTest
    static final ArchRule tablesAndDataplaneNeverUseTheControlPlane = noClasses()
            .that().resideInAnyPackage(TABLES, DATAPLANE[0], DATAPLANE[1], DATAPLANE[2], DATAPLANE[3], DATAPLANE[4])
            .should().dependOnClassesThat().resideInAPackage(CONTROL);

    /** How ports are made (native calls, port types) is the daemon's business, not the routing model's. */
    @ArchTest
    static final ArchRule grammarAndRibKnowNothingOfPortsOrNativeCode = noClasses()
            .that().resideInAnyPackage("io.dataplane.control.command..", "io.dataplane.control.rib..")
            .should().dependOnClassesThat().resideInAnyPackage(FFI, "io.dataplane.port..");

    @ArchTest
    static final ArchRule onlyTheFfiBindingsDeclareNativeCalls = noClasses()
            .that().resideOutsideOfPackage(FFI)
            .should().dependOnClassesThat().areAssignableTo(Linker.class);

    @ArchTest
    static final ArchRule topPackagesHaveNoCycles = slices().matching("io.dataplane.(*)..").should().beFreeOfCycles();
}
