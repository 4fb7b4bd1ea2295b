/**
 * The SPOA server: {@link dev.spoa.server.SpoaServer}, its options and its verticle.
 */
@ModuleGen(name = "spoa-server", groupPackage = "dev.spoa")
package dev.spoa.server;

import io.vertx.codegen.annotations.ModuleGen;
