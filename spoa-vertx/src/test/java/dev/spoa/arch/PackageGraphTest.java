package dev.spoa.arch;

import dev.spoa.server.SpoaServer;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shape of the library, from its class files: the top-level packages (each with its
 * {@code impl}) depend on each other one way only, the public API names no {@code impl} type, and
 * the codec needs nothing but Java and Vert.x's {@code Buffer}, and per-Vert.x state has one home.
 */
class PackageGraphTest {

  private static final JavaClasses LIBRARY = new ClassFileImporter()
    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
    .importPackages("dev.spoa");

  @Test
  void thePackagesDependOnEachOtherOneWayOnly() {
    slices().matching("dev.spoa.(*)..").should().beFreeOfCycles().check(LIBRARY);
  }

  @Test
  void thePublicApiNamesNoImplType() {
    List<String> leaks = new ArrayList<>();
    for (JavaClass c : LIBRARY) {
      if (isImpl(c) || !c.getModifiers().contains(JavaModifier.PUBLIC) || c.isAnonymousClass() || !isVisible(c)) {
        continue;
      }
      if (c.getRawSuperclass().filter(PackageGraphTest::isImpl).isPresent()) {
        leaks.add(c.getName() + " extends " + c.getRawSuperclass().get().getName());
      }
      for (JavaCodeUnit unit : c.getCodeUnits()) {
        if (!exposed(unit.getModifiers())) {
          continue;
        }
        if (isImpl(unit.getRawReturnType())) {
          leaks.add(unit.getFullName() + " returns " + unit.getRawReturnType().getName());
        }
        unit.getRawParameterTypes().stream().filter(PackageGraphTest::isImpl)
          .forEach(p -> leaks.add(unit.getFullName() + " takes " + p.getName()));
      }
      for (JavaField f : c.getFields()) {
        if (exposed(f.getModifiers()) && isImpl(f.getRawType())) {
          leaks.add(f.getFullName() + " is a " + f.getRawType().getName());
        }
      }
    }
    assertEquals(List.of(), leaks, "public signatures that name an impl type");
  }

  @Test
  void theCodecNeedsOnlyJavaAndVertxBuffers() {
    classes().that().resideInAPackage("dev.spoa.protocol..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("dev.spoa.protocol..", "java..", "io.vertx.core.buffer..")
      .check(LIBRARY);
  }

  /**
   * One way to keep state per Vert.x instance: its local shared data, which lives and dies with it.
   * A static WeakHashMap keyed by the instance leaks it as soon as a value refers back to it.
   */
  @Test
  void perVertxStateLivesInTheInstancesSharedData() {
    noClasses().should().dependOnClassesThat().areAssignableTo(java.util.WeakHashMap.class).check(LIBRARY);
  }

  @Test
  void theModuleExportsTheApiPackagesAndNoImpl() throws Exception {
    Path classes = Path.of(SpoaServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor module;
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      module = ModuleDescriptor.read(in);
    }
    Set<String> api = new TreeSet<>();
    for (JavaClass c : LIBRARY) {
      if (!isImpl(c)) {
        api.add(c.getPackageName());
      }
    }
    Set<String> exported = new TreeSet<>();
    module.exports().forEach(e -> exported.add(e.source()));
    assertEquals(api, exported, "module-info exports every API package and nothing else");
    assertTrue(module.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
  }

  private static boolean isImpl(JavaClass c) {
    return c.getPackageName().endsWith(".impl") || c.getPackageName().contains(".impl.");
  }

  /** A public class whose enclosing classes are public too. */
  private static boolean isVisible(JavaClass c) {
    for (JavaClass e = c; e != null; e = e.getEnclosingClass().orElse(null)) {
      if (!e.getModifiers().contains(JavaModifier.PUBLIC)) {
        return false;
      }
    }
    return true;
  }

  private static boolean exposed(Set<JavaModifier> modifiers) {
    return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
  }
}
