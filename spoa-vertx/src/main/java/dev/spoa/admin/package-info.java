/**
 * The admin HTTP server: Prometheus metrics, liveness and readiness.
 */
@ModuleGen(name = "spoa-admin", groupPackage = "dev.spoa")
package dev.spoa.admin;

import io.vertx.codegen.annotations.ModuleGen;
