/** Loads and renders the mustache templates in templates/. Values are pre-escaped by the view models. */
import * as fs from "fs";
import * as path from "path";
import Mustache from "mustache";
import { RedisConfInput, redisConfView } from "./redis-conf";

export const TEMPLATES_DIR = path.join(__dirname, "..", "..", "templates");

export function renderTemplate(name: string, view: object): string {
    const template = fs.readFileSync(path.join(TEMPLATES_DIR, name), "utf8");
    // Config files are not HTML: disable mustache's HTML escaping for {{ }} as well.
    return Mustache.render(template, view, {}, { escape: (s: string) => s });
}

export function renderRedisConf(input: RedisConfInput): string {
    return renderTemplate("redis.conf.mustache", redisConfView(input));
}
