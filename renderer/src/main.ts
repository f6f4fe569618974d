import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router';
import { connectApi, setApi } from './api/client';
import './styles/theme.css';

async function boot(): Promise<void> {
  try {
    setApi(await connectApi());
  } catch (err) {
    document.body.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'boot-error';
    p.textContent = `Apprentice could not reach its main process: ${err instanceof Error ? err.message : String(err)}. In a browser, open the address with the token that "apprentice web" printed.`;
    document.body.append(p);
    return;
  }
  createApp(App).use(createPinia()).use(router).mount('#app');
}

void boot();
