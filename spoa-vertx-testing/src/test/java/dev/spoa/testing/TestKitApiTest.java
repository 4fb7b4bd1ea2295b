package dev.spoa.testing;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.spoa.server.SpoaServer;
import org.junit.jupiter.api.Test;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The test kit is an artifact of its own, on public API only: a Vert.x or library release that
 * changes an internal cannot break the tests of users' agents.
 */
class TestKitApiTest {

  private static final JavaClasses KIT = new ClassFileImporter()
    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
    .importPackages("dev.spoa.testing");

  @Test
  void theKitUsesNoInternalOfVertxNettyOrTheLibrary() {
    classes().should().onlyDependOnClassesThat().resideInAnyPackage(
        "java..", "dev.spoa.testing..", "dev.spoa.protocol..", "io.vertx.core", "io.vertx.core.buffer..",
        "io.vertx.core.net..", "io.vertx.core.parsetools..", "io.vertx.core.shareddata..")
      .check(KIT);
  }

  /** Looks into the library's own classes (a folder in the build, a jar when installed), not the class path. */
  @Test
  void theLibraryJarCarriesNoTestClient() throws Exception {
    Path library = Path.of(SpoaServer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    String testing = SpopTestClient.class.getPackageName().replace('.', '/');
    if (Files.isDirectory(library)) {
      assertFalse(Files.exists(library.resolve(testing)), library + " has " + testing);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(library)) {
        assertFalse(Files.exists(jar.getPath(testing)), library + " has " + testing);
      }
    }
  }
}
